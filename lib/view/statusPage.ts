import { randomBytes } from 'node:crypto';

/**
 * The status page: one small HTML document, no framework, no external resource (works offline), under a
 * strict Content-Security-Policy whose only allowances are this response's nonce and same-origin fetches.
 * The script reads the function key from the page's own `?code=` and sends it with its fetches; it builds
 * the DOM with textContent only, so a user key with markup in it stays text. Every number it shows comes
 * from the API, which masks them.
 */
export type PageKind = 'run' | 'runs';

export interface RenderedPage {
  html: string;
  headers: Record<string, string>;
}

export function renderStatusPage(kind: PageKind): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html: TEMPLATE.replaceAll('{{nonce}}', nonce).replace('{{kind}}', kind),
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      // The page URL carries the function key: never send it on as a Referer.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    },
  };
}

const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mfa-phone-sync</title>
<link rel="icon" href="data:,">
<style nonce="{{nonce}}">
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; background: #fafafa; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  .muted { color: #666; }
  progress { width: 100%; height: 1.4rem; }
  table { border-collapse: collapse; margin: .5rem 0 1rem; background: #fff; }
  th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .bad { color: #a4262c; } .ok { color: #107c10; }
  svg text { font: 12px system-ui, sans-serif; }
  #chart { margin: .5rem 0 1rem; }
</style>
</head>
<body data-page="{{kind}}">
<h1 id="title">mfa-phone-sync</h1>
<p id="state" class="muted">loading…</p>
<section id="run-view" hidden>
  <progress id="progress" max="1" value="0"></progress>
  <p><span id="done">0</span> / <span id="total">0</span> users · <span id="chunks"></span></p>
  <h2>Outcomes</h2>
  <svg id="chart" width="560" height="0" role="img" aria-label="users by outcome"></svg>
  <table id="counts"><thead><tr><th>outcome</th><th>users</th></tr></thead><tbody></tbody></table>
  <h2>Failures and invalid numbers</h2>
  <p><a id="report-all">Full report (CSV)</a> · <a id="report-failures">failures only (CSV)</a> · <a id="report-jsonl">JSON Lines</a></p>
  <table id="failures"><thead><tr><th>user</th><th>outcome</th><th>reason</th><th>before</th><th>after</th><th>detail</th></tr></thead><tbody></tbody></table>
  <p id="omitted" class="muted"></p>
</section>
<section id="runs-view" hidden>
  <table id="runs"><thead><tr><th>created (UTC)</th><th>status</th><th>users</th><th>trigger</th><th>requester</th><th>run</th></tr></thead><tbody></tbody></table>
  <p><a id="more" hidden>older runs</a></p>
</section>
<script nonce="{{nonce}}">
'use strict';
(function () {
  var TERMINAL = ['Completed', 'Failed', 'Terminated', 'Canceled'];
  var FAILURE_OUTCOMES = 'invalid,notFound,forbidden,conflict,failed';
  var COLORS = { created: '#107c10', updated: '#0078d4', removed: '#8764b8', unchanged: '#8a8886', skipped: '#c19c00',
    invalid: '#d83b01', notFound: '#a4262c', forbidden: '#a4262c', conflict: '#ca5010', failed: '#750b1c',
    wouldCreate: '#6bb700', wouldUpdate: '#2b88d8', wouldRemove: '#b4a0ff' };
  var code = new URLSearchParams(location.search).get('code') || '';
  var $ = function (id) { return document.getElementById(id); };
  function withKey(path, query) {
    var params = new URLSearchParams(query || '');
    if (code) params.set('code', code);
    var text = params.toString();
    return path + (text ? '?' + text : '');
  }
  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function clear(tbody) { while (tbody.firstChild) tbody.removeChild(tbody.firstChild); }
  function getJson(url) {
    return fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(function (response) {
      if (!response.ok) return response.text().then(function (text) {
        var detail = response.status + ' ' + response.statusText;
        try { detail = JSON.parse(text).detail || detail; } catch (e) { /* not JSON */ }
        throw new Error(detail);
      });
      return response.json();
    });
  }
  function drawChart(counts) {
    var svg = $('chart');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var entries = Object.keys(counts).filter(function (k) { return counts[k] > 0; });
    var max = Math.max.apply(null, [1].concat(entries.map(function (k) { return counts[k]; })));
    var ns = 'http://www.w3.org/2000/svg';
    entries.forEach(function (outcome, i) {
      var y = i * 24;
      var label = document.createElementNS(ns, 'text');
      label.setAttribute('x', '0'); label.setAttribute('y', String(y + 15));
      label.textContent = outcome;
      var bar = document.createElementNS(ns, 'rect');
      bar.setAttribute('x', '110'); bar.setAttribute('y', String(y + 3));
      bar.setAttribute('height', '16');
      bar.setAttribute('width', String(Math.max(2, Math.round((counts[outcome] / max) * 380))));
      bar.setAttribute('fill', COLORS[outcome] || '#605e5c');
      bar.setAttribute('data-outcome', outcome);
      var value = document.createElementNS(ns, 'text');
      value.setAttribute('x', String(118 + Math.round((counts[outcome] / max) * 380)));
      value.setAttribute('y', String(y + 15));
      value.textContent = String(counts[outcome]);
      svg.appendChild(label); svg.appendChild(bar); svg.appendChild(value);
    });
    svg.setAttribute('height', String(entries.length * 24));
  }
  function showRun(runId, view) {
    var source = view.summary || view.progress || { total: 0, done: 0, counts: {} };
    var total = source.total || 0;
    var done = view.summary ? view.summary.total : (view.progress ? view.progress.done : 0);
    $('title').textContent = 'Run ' + runId;
    $('state').textContent = view.runtimeStatus + (view.summary && view.summary.dryRun ? ' (dry run)' : '') +
      ' · started ' + view.createdTime + (view.error ? ' · ' + view.error : '');
    $('state').className = view.runtimeStatus === 'Completed' ? 'ok' : (TERMINAL.indexOf(view.runtimeStatus) >= 0 ? 'bad' : 'muted');
    $('progress').max = Math.max(total, 1);
    $('progress').value = done;
    $('done').textContent = String(done);
    $('total').textContent = String(total);
    $('chunks').textContent = view.progress ? 'chunks ' + view.progress.chunks.done + ' / ' + view.progress.chunks.total : '';
    var counts = source.counts || {};
    drawChart(counts);
    var body = $('counts').tBodies[0];
    clear(body);
    Object.keys(counts).filter(function (k) { return counts[k] > 0; }).forEach(function (outcome) {
      var row = body.insertRow();
      cell(row, outcome); cell(row, counts[outcome], 'n');
      row.setAttribute('data-outcome', outcome);
    });
    var failures = $('failures').tBodies[0];
    clear(failures);
    var list = view.summary ? view.summary.failures : [];
    list.forEach(function (item) {
      var row = failures.insertRow();
      cell(row, item.user); cell(row, item.outcome, 'bad'); cell(row, item.reason);
      cell(row, item.before); cell(row, item.after); cell(row, item.detail);
    });
    $('omitted').textContent = view.summary && view.summary.omitted.failures > 0
      ? view.summary.omitted.failures + ' more in the full report' : (view.summary ? '' : 'the list appears when the run ends');
  }
  function pollRun() {
    var base = location.pathname.replace(/\\/view\\/?$/, '');
    var runId = decodeURIComponent(base.split('/').pop() || '');
    $('run-view').hidden = false;
    $('report-all').href = withKey(base + '/report', 'format=csv');
    $('report-failures').href = withKey(base + '/report', 'format=csv&outcome=' + FAILURE_OUTCOMES);
    $('report-jsonl').href = withKey(base + '/report', 'format=jsonl');
    var tick = function () {
      getJson(withKey(base)).then(function (view) {
        showRun(runId, view);
        document.body.setAttribute('data-status', view.runtimeStatus);
        if (TERMINAL.indexOf(view.runtimeStatus) < 0) setTimeout(tick, 1000);
      }, function (error) {
        $('state').textContent = 'cannot read the run: ' + error.message + ' (retrying)';
        setTimeout(tick, 3000);
      });
    };
    tick();
  }
  function loadRuns() {
    var base = location.pathname.replace(/\\/view\\/?$/, '');
    var cursor = new URLSearchParams(location.search).get('cursor');
    $('runs-view').hidden = false;
    $('title').textContent = 'Recent runs';
    getJson(withKey(base, 'top=50' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))).then(function (page) {
      $('state').textContent = page.runs.length + ' run(s), newest first';
      var body = $('runs').tBodies[0];
      clear(body);
      page.runs.forEach(function (run) {
        var row = body.insertRow();
        cell(row, run.createdTime.replace('T', ' ').slice(0, 19));
        cell(row, run.runtimeStatus, run.runtimeStatus === 'Completed' ? 'ok' : (TERMINAL.indexOf(run.runtimeStatus) >= 0 ? 'bad' : ''));
        cell(row, run.done + ' / ' + run.total, 'n');
        cell(row, run.trigger + (run.dryRun ? ' (dry run)' : ''));
        cell(row, run.requester);
        var link = document.createElement('a');
        link.href = withKey(base + '/' + encodeURIComponent(run.id) + '/view');
        link.textContent = run.id;
        cell(row, '').appendChild(link);
      });
      if (page.nextCursor) {
        $('more').hidden = false;
        $('more').href = withKey(location.pathname, 'cursor=' + encodeURIComponent(page.nextCursor));
      }
    }, function (error) { $('state').textContent = 'cannot list runs: ' + error.message; });
  }
  if (document.body.getAttribute('data-page') === 'runs') loadRuns(); else pollRun();
})();
</script>
</body>
</html>
`;
