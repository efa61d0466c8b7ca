import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { beforeEach, describe, expect, it } from 'vitest';
import { httpStatus } from '../../../functions/httpStatus';
import { FakeRunClient } from '../../support/fakeRunClient';
import { recordForPrivacyScan } from '../../support/privacyGuard';

let client: FakeRunClient;
beforeEach(() => {
  client = new FakeRunClient();
});

async function get(id: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const req = new HttpRequest({
    method: 'GET',
    url: `https://mfa-sync.example/api/sync/${encodeURIComponent(id)}?code=k`,
    params: { id },
  });
  const response = new HttpResponse(
    await httpStatus(req, client, new InvocationContext({ functionName: 'httpStatus' })),
  );
  const text = await response.text();
  recordForPrivacyScan('status response', text);
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

describe('GET /api/sync/{id} (DESIGN.md §4)', () => {
  it('answers 404 problem+json for an unknown run', async () => {
    const sent = await get('run-unknown');
    expect(sent.status).toBe(404);
    expect(sent.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers 400 for something that cannot be a run id', async () => {
    for (const id of ['../admin', 'a/b', '', '@x', 'x'.repeat(200), 'run id']) {
      expect((await get(id)).status, id).toBe(400);
    }
  });

  it('shows a running run with its live progress and a Retry-After, without its input or any management URL', async () => {
    await client.startNew('syncPhoneNumbers', {
      instanceId: 'run-1',
      input: { users: ['a@contoso.com'], secretish: 'x' },
    });
    const progress = {
      stage: 'syncing',
      total: 10,
      done: 4,
      counts: { created: 4 },
      chunks: { total: 2, done: 1 },
    };
    client.update('run-1', { runtimeStatus: 'Running', customStatus: progress });
    const sent = await get('run-1');
    expect(sent.status).toBe(200);
    expect(sent.headers.get('retry-after')).toBe('5');
    expect(sent.body).toMatchObject({
      id: 'run-1',
      runtimeStatus: 'Running',
      progress,
      summary: null,
      error: null,
    });
    const text = JSON.stringify(sent.body);
    expect(text).not.toContain('a@contoso.com');
    expect(text).not.toMatch(/webhooks|statusQueryGetUri|code=/);
  });

  it('shows the summary of a completed run and no Retry-After', async () => {
    await client.startNew('syncPhoneNumbers', { instanceId: 'run-2', input: {} });
    const summary = {
      runId: 'run-2',
      total: 1,
      counts: { created: 1 },
      changes: [{ user: 'a@contoso.com', outcome: 'created', after: '+49 ********67' }],
    };
    client.update('run-2', { runtimeStatus: 'Completed', output: summary });
    const sent = await get('run-2');
    expect(sent.status).toBe(200);
    expect(sent.headers.get('retry-after')).toBeNull();
    expect(sent.body.summary).toEqual(summary);
  });

  it('shows a failed run with its error text masked', async () => {
    await client.startNew('syncPhoneNumbers', { instanceId: 'run-3', input: {} });
    client.update('run-3', {
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'syncPhoneNumbers' failed: bad value +49 170 1234567",
    });
    const sent = await get('run-3');
    expect(sent.body.runtimeStatus).toBe('Failed');
    expect(String(sent.body.error)).toMatch(/failed: bad value/);
    expect(String(sent.body.error)).not.toContain('1234567');
  });
});
