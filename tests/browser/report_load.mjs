// A benchmark, not a test: how long the console takes to show the credit
// report of a subject with 100 versions and 10 cases in headless
// Chromium (docs/BENCH.md; bench/bench.sh --console). The subject is
// written first through the API; then the report page is opened RUNS
// times in a fresh page each time, timed from the navigation to the
// last version drawn.
//
// Usage: NODE_EXTRA_CA_CERTS=certs/dev/ca.crt node tests/browser/report_load.mjs PORT CERTDIR [RUNS]

import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [port, certDir, runsArg] = process.argv.slice(2);
if (!port || !certDir) {
  console.error('usage: node report_load.mjs PORT CERTDIR [RUNS]');
  process.exit(2);
}
const RUNS = Number(runsArg || 30);
const ORIGIN = `https://127.0.0.1:${port}`;

function call(cn, op, args) {
  const body = Buffer.from(JSON.stringify(args));
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/v1/' + op, method: 'POST',
      ca: fs.readFileSync(path.join(certDir, 'ca.crt')),
      cert: fs.readFileSync(path.join(certDir, cn + '.crt')),
      key: fs.readFileSync(path.join(certDir, cn + '.key')),
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const r = JSON.parse(Buffer.concat(chunks).toString());
        if (!r.ok) reject(new Error(`${op}: ${JSON.stringify(r.error)}`));
        else resolve(r.result);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A subject of this run: a site, so no check digit to compute.
const subject = `site:report-load-${Date.now()}.example.cn`;
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

async function seed() {
  for (let v = 1; v <= 100; v++) {
    await call('commerce-bureau', 'put', { list: 'advertising', subject, fields: {
      name: `报告加载测试${v}`, reason: `第${v}次更新`, decision: `豫市监广罚〔2026〕${v}号`,
      listed_on: '2026-11-01' } });
  }
  for (let c = 1; c <= 10; c++) {
    const opened = await call('commerce-bureau', 'case_open', { list: 'advertising', subject,
      kind: 'objection', received_on: today, text: `第${c}次异议` });
    await call('commerce-bureau', 'case_close', { case: opened.case, outcome: 'upheld',
      reason: '维持' });
  }
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

await seed();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium' });
const ctx = await browser.newContext({
  clientCertificates: [{ origin: ORIGIN, certPath: path.join(certDir, 'market-regulator.crt'),
    keyPath: path.join(certDir, 'market-regulator.key') }],
  viewport: { width: 1280, height: 900 },
});
const times = [];
for (let i = 0; i <= RUNS; i++) {
  const page = await ctx.newPage();
  const t0 = performance.now();
  await page.goto(`${ORIGIN}/#/report/${encodeURIComponent(subject)}`);
  await page.waitForFunction(() => document.querySelectorAll('ol.timeline li').length >= 100,
    null, { timeout: 30000 });
  const ms = performance.now() - t0;
  if (i > 0) times.push(ms);	// the first warms the connection and the cache
  await page.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(JSON.stringify({ runs: times.length, p50_ms: pct(times, 0.5), p95_ms: pct(times, 0.95),
  max_ms: times[times.length - 1], subject }));
