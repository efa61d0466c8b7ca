import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PNG } from 'pngjs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, PROJECT_ROOT, startLocalStack } from '../../dev/localStack';
import { type SyncSummary } from '../../lib/sync/run';
import { recordForPrivacyScan } from '../support/privacyGuard';

/**
 * The status page in a real headless Chromium (Debian's package, driven by puppeteer-core): opened while a
 * run over the demo tenant is going, it shows the progress bar moving, ends with the counts of the summary,
 * loads nothing from outside, breaks no CSP rule, and renders a screenshot that is not blank.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SEED_PATH = join(PROJECT_ROOT, 'dev', 'graph-emulator', 'seeds', 'demo-tenant.json');
const dataDir = join(PROJECT_ROOT, '.tmp', `browser-status-${process.pid}`);
/** Where the screenshot goes; README's docs/status-page.png is a copy of one such file. */
const SCREENSHOT = join(dataDir, 'status-page.png');

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  stack = await startLocalStack({
    dataDir,
    emulator: { seed: SEED_PATH, stateDir: process.env.EMULATOR_STATE_DIR, latency: 'off' },
    // One small chunk at a time: the run moves in visible steps.
    settings: { SYNC_CHUNK_SIZE: '5', SYNC_PARALLEL_CHUNKS: '1' },
  });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  recordForPrivacyScan('host output', stack.host.output.splice(0).join(''));
});

/** Every request the page makes, and every console complaint (a CSP violation shows up there). */
function watchPage(page: Page): { requests: string[]; problems: string[] } {
  const seen = { requests: [] as string[], problems: [] as string[] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn') seen.problems.push(message.text());
  });
  page.on('pageerror', (error) => seen.problems.push(String(error)));
  return seen;
}

const hostKey = (): string => stack.host.ready.keys.hostKeys['default'] ?? '';

describe('status page in headless Chromium', () => {
  let runId = '';

  it('follows a run live: the progress bar moves, and the final counts match the summary', async () => {
    const upns = (
      (await import(SEED_PATH, { with: { type: 'json' } })) as {
        default: { users: { userPrincipalName: string }[] };
      }
    ).default.users.map((user) => user.userPrincipalName);
    // Realistic Graph latency, so the run lasts long enough to be watched.
    await stack.emulator.control.setLatency({
      read: { kind: 'fixed', ms: 60 },
      write: { kind: 'fixed', ms: 60 },
    });
    const submitted = await stack.client().submit({ users: upns });
    expect(submitted.status).toBe(202);
    runId = String(submitted.body.id);

    const page = await browser.newPage();
    const seen = watchPage(page);
    await page.setViewport({ width: 900, height: 1000 });
    await page.goto(`${stack.apiUrl()}/sync/${runId}/view?code=${encodeURIComponent(hostKey())}`);

    const values: number[] = [];
    let status = '';
    for (let i = 0; i < 600 && status !== 'Completed'; i += 1) {
      const state = (await page.evaluate(
        `({ value: document.getElementById('progress').value, status: document.body.getAttribute('data-status') ?? '' })`,
      )) as { value: number; status: string };
      values.push(state.value);
      status = state.status;
      if (status !== 'Completed') await sleep(100);
    }
    await stack.emulator.control.setLatency('off');
    expect(status).toBe('Completed');
    const distinct = [...new Set(values)];
    expect(distinct.length, `progress values seen: ${distinct.join(',')}`).toBeGreaterThan(2);
    expect(values).toEqual([...values].sort((a, b) => a - b)); // never goes backwards
    expect(values.at(-1)).toBe(upns.length);

    const { view } = await stack.client().status(runId);
    const summary = view?.summary as SyncSummary;
    const shown = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('#counts tbody tr')].map((row) => [row.getAttribute('data-outcome'), Number(row.querySelector('td.n').textContent)]))`,
    )) as Record<string, number>;
    const expected = Object.fromEntries(Object.entries(summary.counts).filter(([, count]) => count > 0));
    expect(shown).toEqual(expected);
    const bars = (await page.evaluate(`document.querySelectorAll('#chart rect').length`)) as number;
    expect(bars).toBe(Object.keys(expected).length);
    const failureRows = (await page.evaluate(
      `document.querySelectorAll('#failures tbody tr').length`,
    )) as number;
    expect(failureRows).toBe(summary.failures.length);
    expect(failureRows).toBeGreaterThan(0);
    const reportHref = (await page.evaluate(`document.getElementById('report-all').href`)) as string;
    const report = await fetch(reportHref);
    expect(report.status).toBe(200);
    expect((await report.text()).trim().split('\n')).toHaveLength(upns.length + 1);

    const origin = new URL(stack.apiUrl()).origin;
    expect(seen.requests.filter((url) => !url.startsWith(origin))).toEqual([]);
    expect(seen.problems).toEqual([]);
    recordForPrivacyScan('status page text', await page.evaluate('document.body.innerText'));

    mkdirSync(dataDir, { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const image = PNG.sync.read(Buffer.from(png));
    const colors = new Set<number>();
    for (let i = 0; i < image.data.length; i += 4 * 7) {
      colors.add(image.data.readUInt32BE(i));
    }
    expect(image.width).toBeGreaterThan(500);
    expect(colors.size, 'distinct colours in the screenshot').toBeGreaterThan(20);
    if (process.env.STATUS_PAGE_SCREENSHOT !== undefined) {
      await page.screenshot({ path: process.env.STATUS_PAGE_SCREENSHOT, fullPage: true });
    }
    await page.close();
  });

  it('lists recent runs with links to their pages, and the page loads under its CSP only from itself', async () => {
    const page = await browser.newPage();
    const seen = watchPage(page);
    const response = await page.goto(`${stack.apiUrl()}/sync/view?code=${encodeURIComponent(hostKey())}`);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'nonce-/);
    await page.waitForSelector('#runs tbody tr a');
    const link = (await page.evaluate(
      `(() => { const a = document.querySelector('#runs tbody tr a'); return { text: a.textContent, href: a.href }; })()`,
    )) as { text: string; href: string };
    expect(link.text).toBe(runId);
    await page.goto(link.href);
    await page.waitForFunction(`document.body.getAttribute('data-status') === 'Completed'`);
    expect(seen.problems).toEqual([]);
    await page.close();
  });

  it('answers 401 without a key and shows an error (not a crash) for an unknown run', async () => {
    const refused = await fetch(`${stack.apiUrl()}/sync/${runId}/view`);
    expect(refused.status).toBe(401);
    const page = await browser.newPage();
    await page.goto(
      `${stack.apiUrl()}/sync/run-00000000000000000000000000000000/view?code=${encodeURIComponent(hostKey())}`,
    );
    await page.waitForFunction(`document.getElementById('state').textContent.includes('cannot read')`);
    await page.close();
  });
});
