// Browser tests of the web console (server/console) in headless Chromium
// through playwright-core, each principal with its client certificate.
//
// Usage: NODE_EXTRA_CA_CERTS=certs/dev/ca.crt node tests/browser/console.mjs PORT CERTDIR
// PORT is qcregd's HTTPS API port (http_listen). The data the scenarios
// need are written first through the API with node's https module, under
// names unique to this run, so any server with the development
// configuration will do. Screenshots go to build/screens/. Exits non-zero
// on any failure, printing each scenario's result.

import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const [port, certDir] = process.argv.slice(2);
if (!port || !certDir) {
  console.error('usage: node console.mjs PORT CERTDIR');
  process.exit(2);
}
const ORIGIN = `https://127.0.0.1:${port}`;
const SCREENS = path.resolve('build/screens');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

// ---------- data through the API ----------

function cert(cn) {
  return { cert: fs.readFileSync(path.join(certDir, cn + '.crt')), key: fs.readFileSync(path.join(certDir, cn + '.key')) };
}

function call(cn, op, args = {}) {
  const body = Buffer.from(JSON.stringify(args));
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: '/v1/' + op, method: 'POST',
      ca: fs.readFileSync(path.join(certDir, 'ca.crt')), ...cert(cn),
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ok(cn, op, args) {
  const r = await call(cn, op, args);
  if (!r.ok) throw new Error(`${cn} ${op} ${JSON.stringify(args)}: ${JSON.stringify(r.error)}`);
  return r.result;
}

// A valid unified social credit code (GB 32100): prefix + n in base 31 + check character.
const USCC_ALPHA = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function uscc(n, prefix) {
  let body = '';
  for (let i = 0; i < 17 - prefix.length; i++) {
    body = USCC_ALPHA[n % 31] + body;
    n = Math.floor(n / 31);
  }
  const s17 = prefix + body;
  let total = 0;
  for (let i = 0; i < 17; i++) total += USCC_ALPHA.indexOf(s17[i]) * USCC_W[i];
  return s17 + USCC_ALPHA[(31 - (total % 31)) % 31];
}

function day(offset) {
  return new Date(Date.now() + 8 * 3600 * 1000 + offset * 86400 * 1000).toISOString().slice(0, 10);
}

// This run's subjects and names, unique so the search finds only them.
const RUN = Date.now() % 1e9;
const D = {
  name: `豫测${RUN}食品有限公司`,
  everyList: uscc(RUN * 4 + 1, '91410105'),      // on credit, tourism and advertising
  objection: uscc(RUN * 4 + 2, '91410300'),      // a tourism entry that gets an objection
  fresh: uscc(RUN * 4 + 3, '91410100'),          // listed through the form
  clean: uscc(RUN * 4 + 4, '91410100'),          // on no list
};

async function seed() {
  const listed = day(-30);
  await ok('quality-bureau', 'put', { list: 'credit', subject: D.everyList,
    fields: { name: D.name, grade: 'C', score: 55, valid_from: listed } });
  await ok('tourism-bureau', 'put', { list: 'tourism', subject: D.everyList,
    fields: { name: D.name, category: 'unlicensed_agency', reason: '未经许可经营旅行社业务', decision: '豫旅罚〔2026〕1号', listed_on: listed } });
  await ok('commerce-bureau', 'put', { list: 'advertising', subject: D.everyList,
    fields: { name: D.name, reason: '发布虚假广告', decision: '豫市监广罚〔2026〕2号', listed_on: listed } });
  await ok('tourism-bureau', 'put', { list: 'tourism', subject: D.objection,
    fields: { name: `洛阳${RUN}旅行社有限公司`, category: 'unlicensed_agency', reason: '未经许可经营旅行社业务', decision: '豫旅罚〔2026〕3号', listed_on: listed } });
  // The name index is written with each version; wait until search sees it.
  for (let i = 0; i < 100; i++) {
    const r = await call('market-regulator', 'search', { q: D.name });
    if (r.ok && r.result.results.length) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('search never found ' + D.name);
}

// ---------- pages and checks ----------

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

let browser;
const results = [];

// A page as principal cn, its console watched. `expected` lists the
// console messages a scenario provokes on purpose (the browser logs the
// 400 or 403 of a refused request); anything else is a failure.
async function open(cn) {
  const ctx = await browser.newContext({
    clientCertificates: [{ origin: ORIGIN, certPath: path.join(certDir, cn + '.crt'), keyPath: path.join(certDir, cn + '.key') }],
    ignoreHTTPSErrors: false,
    viewport: { width: 1280, height: 900 },
    locale: 'zh-CN',
  });
  const page = await ctx.newPage();
  page.problems = [];
  page.expected = [];
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    if (page.expected.some((re) => re.test(m.text()))) return;
    page.problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  await page.goto(ORIGIN + '/');
  await page.waitForSelector('#nav a, .denied, .error', { timeout: WAIT });
  return page;
}

async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

// The share of pixels of a PNG screenshot that are not (nearly) white.
// Playwright writes 8-bit RGB or RGBA, not interlaced; this undoes the
// per-row filters of the PNG format to read the pixels.
function inkShare(file) {
  const buf = fs.readFileSync(file);
  let pos = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      check(data[8] === 8 && (data[9] === 2 || data[9] === 6) && data[12] === 0, 'unexpected PNG format');
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let prev = Buffer.alloc(stride), ink = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[i] = (row[i] + p) & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = x * channels;
      if (row[o] < 235 || row[o + 1] < 235 || row[o + 2] < 235) ink++;
    }
    prev = row;
  }
  return ink / (width * height);
}

// A screenshot that is not blank: some of its pixels are not white (the
// header bar alone is a few per cent), and the page's main area has text.
async function screen(page, name) {
  fs.mkdirSync(SCREENS, { recursive: true });
  const file = path.join(SCREENS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  const share = inkShare(file);
  if (process.env.SHOW_INK) console.log(name, share);
  check(share > 0.005, `screenshot ${name}.png is blank (${(share * 100).toFixed(2)}% not white)`);
  const text = await page.locator('#main').innerText();
  check(text.trim().length > 10, `screenshot ${name}: the page has no content`);
}

async function navItems(page) {
  return page.locator('#nav a').allInnerTexts();
}

async function scenario(name, cn, fn) {
  let page;
  try {
    page = await open(cn);
    await fn(page);
    check(page.problems.length === 0, page.problems.join('\n'));
    results.push([name, null]);
    console.log('PASS ' + name);
  } catch (e) {
    results.push([name, e]);
    console.log('FAIL ' + name + ': ' + (e.stack || e));
  } finally {
    if (page) await page.context().close();
  }
}

// ---------- scenarios ----------

async function regulatorReport(page) {
  const nav = await navItems(page);
  for (const t of ['企业查询', '统计', '案件', '核验']) check(nav.includes(t), 'regulator menu lacks ' + t + ': ' + nav);
  check(!nav.includes('录入'), 'regulator menu has 录入');
  await go(page, '#/search');
  await page.fill('#q', D.name);
  await page.click('form.bar button');
  const row = page.locator('#search-results tbody tr', { hasText: D.everyList });
  await row.waitFor({ timeout: WAIT });
  check((await row.innerText()).includes('失信'), 'search result verdict is not 失信');
  await screen(page, 'regulator-search');
  await row.click();
  await page.waitForSelector('tr[data-list]', { timeout: WAIT });
  const lists = await page.locator('tr[data-list]').evaluateAll((rs) => rs.map((r) => r.dataset.list));
  for (const l of ['credit', 'tourism', 'advertising']) check(lists.includes(l), `report lacks list ${l}: ${lists}`);
  const body = await page.locator('#main').innerText();
  for (const t of ['企业质量信用评价', '旅游经营服务失信名单', D.name, '郑州市', 'C 失信', '版本记录']) check(body.includes(t), 'report lacks ' + t);
  check(await page.locator('#print').isVisible(), 'no 打印 button');
  await screen(page, 'regulator-report');
  // What 打印 puts on paper: no menu, no buttons.
  await page.emulateMedia({ media: 'print' });
  check(!(await page.locator('#nav').isVisible()) && !(await page.locator('#print').isVisible()), 'print shows the menu or the button');
  await screen(page, 'regulator-report-print');
  await page.emulateMedia({ media: 'screen' });

  await go(page, '#/stats');
  await page.waitForSelector('svg.bars', { timeout: WAIT });
  await page.waitForFunction(() => document.querySelectorAll('svg.bars').length === 4, null, { timeout: WAIT });
  const stats = await page.locator('#main').innerText();
  check(stats.includes('郑州市') && stats.includes('洛阳市'), 'region chart lacks 郑州市/洛阳市');
  check(/\d+ \/ \d+/.test(await page.locator('svg.bars').first().textContent()), 'charts show no numbers');
  await screen(page, 'regulator-stats');

  await go(page, '#/cases');
  await page.waitForSelector('#main h3', { timeout: WAIT });
  await screen(page, 'regulator-cases');
}

async function qualityPut(page) {
  const nav = await navItems(page);
  check(nav.includes('录入') && nav.includes('企业查询'), 'agency menu: ' + nav);
  await go(page, '#/entry');
  await page.waitForSelector('#form-put', { timeout: WAIT });
  await page.fill('#put-subject', D.fresh);
  await page.fill('#put-name', `郑州${RUN}质量测试有限公司`);
  await page.fill('#put-grade', 'Z');
  await page.fill('#put-score', '88');
  page.expected.push(/status of 400/);
  await page.click('#form-put button[type=submit]');
  const err = page.locator('#form-put [data-field="grade"] .field-error');
  await page.waitForFunction(() => {
    const e = document.querySelector('#form-put [data-field="grade"] .field-error');
    return e && e.textContent.length > 0;
  }, null, { timeout: WAIT });
  check((await err.textContent()).includes('grade'), 'the grade error does not name the field');
  check((await page.locator('#form-put .form-msg').innerText()).includes('请求有误'), 'no form message');
  await screen(page, 'quality-entry-error');
  page.expected.pop();
  await page.fill('#put-grade', 'B');
  await page.click('#form-put button[type=submit]');
  await page.waitForSelector('#form-put .form-result table', { timeout: WAIT });
  check((await err.textContent()) === '', 'the grade error stays after success');
  const res = await page.locator('#form-put .form-result').innerText();
  check(res.includes('第 1 版') && res.includes(`郑州${RUN}质量测试有限公司`) && res.includes('B 基本守信'), 'the new entry is not shown: ' + res);
  await screen(page, 'quality-entry-ok');
}

async function tourismObjection(page) {
  await go(page, '#/entry');
  await page.waitForSelector('#form-case-open', { timeout: WAIT });
  check(await page.locator('#entry-list').inputValue() === 'tourism', 'tourism is not the first list');
  await page.fill('#co-subject', D.objection);
  await page.selectOption('#co-kind', 'objection');
  await page.fill('#co-text', '当事人对列入决定提出异议');
  await page.click('#form-case-open button[type=submit]');
  await page.waitForSelector('#case-opened', { timeout: WAIT });
  const id = await page.locator('#case-opened').getAttribute('data-case');
  check(await page.inputValue('#cc-case') === id, 'the closing form is not given the new case');
  await page.selectOption('#cc-outcome', 'upheld');
  await page.fill('#cc-reason', '经复核，列入决定事实清楚，维持');
  await page.click('#form-case-close button[type=submit]');
  await page.waitForSelector('#case-closed', { timeout: WAIT });
  await screen(page, 'tourism-case');
  // The case board and the report show it closed, upheld.
  await go(page, '#/cases');
  const row = page.locator(`tr[data-case="${id}"]`);
  await row.waitFor({ timeout: WAIT });
  const text = await row.innerText();
  check(text.includes('已办结') && text.includes('维持'), 'case board row: ' + text);
  await screen(page, 'tourism-cases');
  // A notice (告知) of a proposed listing, from the schema's form.
  await go(page, '#/entry');
  await page.waitForSelector('#form-notice', { timeout: WAIT });
  await page.fill('#nt-subject', `guide:D-4101-${RUN % 1000000}`);
  await page.fill('#nt-name', '张某');
  await page.fill('#nt-category', 'unlicensed_guide');
  await page.fill('#nt-reason', '未取得导游证从事导游活动');
  await page.fill('#nt-decision', '豫旅罚〔2026〕7号');
  await page.fill('#nt-listed_on', day(0));
  await page.fill('#nt-text', '拟列入旅游市场黑名单');
  await page.click('#form-notice button[type=submit]');
  await page.waitForSelector('#notice-opened', { timeout: WAIT });
  check((await page.locator('#notice-opened').innerText()).includes('陈述申辩期限'), 'notice answer');
  await screen(page, 'tourism-notice');
}

async function platformCheck(page) {
  const nav = await navItems(page);
  check(nav.join() === '核验', 'platform menu is not just 核验: ' + nav);
  await go(page, '#/check');
  await page.waitForSelector('#subjects', { timeout: WAIT });
  await page.fill('#subjects', [D.everyList, D.clean, '', 'not-a-subject', D.objection].join('\n'));
  await page.click('form.op-form button');
  await page.waitForSelector('#check-results tbody tr', { timeout: WAIT });
  const verdict = async (s) => page.locator(`#check-results tr[data-subject="uscc:${s}"] td`).nth(1).innerText();
  check(await verdict(D.everyList) === '失信', 'everyList is not 失信');
  check(await verdict(D.clean) === '正常', 'clean is not 正常');
  check(await verdict(D.objection) === '失信', 'objection subject is not 失信');
  check((await page.locator('#check-results tbody tr').count()) === 4, 'not one row per subject');
  check((await page.locator('#check-results').innerText()).includes('主体标识无效'), 'the bad subject is not flagged');
  await screen(page, 'platform-check');
}

async function platformDenied(page) {
  const nav = await navItems(page);
  check(!nav.includes('案件') && !nav.includes('企业查询') && !nav.includes('统计'), 'platform menu: ' + nav);
  for (const hash of ['#/cases', `#/history/${D.everyList}`, `#/report/${D.everyList}`]) {
    await go(page, hash);
    await page.waitForSelector('.denied', { timeout: WAIT });
    check(await page.locator('#main table').count() === 0, hash + ' shows a table');
    check(!(await page.locator('#main').innerText()).includes(D.name), hash + ' shows data');
  }
  await screen(page, 'platform-denied');
  page.expected.push(/status of 403/);
  const statuses = await page.evaluate(async (subject) => {
    const post = (op, args) => fetch('/v1/' + op, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args) })
      .then(async (r) => [r.status, (await r.json()).error.code]);
    return [await post('history', { subject }), await post('cases', {})];
  }, D.everyList);
  check(JSON.stringify(statuses) === '[[403,"forbidden"],[403,"forbidden"]]', 'API answered ' + JSON.stringify(statuses));
}

// ---------- main ----------

try {
  await seed();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  await scenario('regulator: search, report with every list, stats, cases', 'market-regulator', regulatorReport);
  await scenario('quality-bureau: put through the form, grade error then success', 'quality-bureau', qualityPut);
  await scenario('tourism-bureau: objection opened and closed upheld', 'tourism-bureau', tourismObjection);
  await scenario('shop-platform: check pasted subjects', 'shop-platform', platformCheck);
  await scenario('shop-platform: no history or cases, in the page or the API', 'shop-platform', platformDenied);
} catch (e) {
  results.push(['setup', e]);
  console.log('FAIL setup: ' + (e.stack || e));
} finally {
  if (browser) await browser.close();
}
const failed = results.filter(([, e]) => e).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
