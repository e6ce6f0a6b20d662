// The qcreg web console: plain JS, no framework, no build step.
// The page's Content-Security-Policy forbids inline scripts and styles, so
// everything is built with DOM calls and styled with classes only; text is
// always set with textContent (never innerHTML), so registry data cannot
// become markup.

// ---------- the API ----------

// One op through the HTTPS JSON API. Resolves to {ok, result} or
// {ok: false, error: {code, message}, status}; never rejects, so each page
// shows the server's message instead of a stack trace.
async function api(op, args = {}) {
  let resp;
  try {
    resp = await fetch('/v1/' + op, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
  } catch (e) {
    return { ok: false, status: 0, error: { code: 'network', message: '无法连接服务器' } };
  }
  let body;
  try {
    body = await resp.json();
  } catch (e) {
    return { ok: false, status: resp.status, error: { code: 'http', message: 'HTTP ' + resp.status } };
  }
  body.status = resp.status;
  return body;
}

// ---------- small DOM helpers ----------

// el('td', {class: 'x'}, 'text', child...) builds an element.
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  append(e, kids);
  return e;
}

function append(parent, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    parent.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

function table(headers, rows, cls = 'grid') {
  return el('table', { class: cls },
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
}

function errorBox(err) {
  return el('p', { class: 'error', role: 'alert' }, errorText(err));
}

function errorText(err) {
  return (ERROR_NAMES[err.code] || err.code) + '：' + err.message;
}

// Replace the page's content.
function show(...kids) {
  const main = document.getElementById('main');
  main.replaceChildren();
  append(main, kids);
}

// ---------- labels ----------

const VERDICTS = { clear: '正常', caution: '关注', listed: '失信' };
const STATES = { active: '有效', pending: '待生效', expired: '已过期', removed: '已移出' };
const CASE_KINDS = { notice: '告知', objection: '异议', repair: '信用修复' };
const CASE_STATES = { open: '办理中', overdue: '已超期', closed: '已办结' };
const OUTCOMES = {
  listed: '列入', withdrawn: '撤回', upheld: '维持', corrected: '更正', revoked: '撤销',
  approved: '准予修复', rejected: '不予修复',
};
const OUTCOMES_OF = {
  notice: ['listed', 'withdrawn'],
  objection: ['upheld', 'corrected', 'revoked'],
  repair: ['approved', 'rejected'],
};
const ROLES = { regulator: '监管部门', agency: '主管部门', platform: '平台', admin: '运维管理' };
const ERROR_NAMES = {
  bad_request: '请求有误', invalid_subject: '主体标识无效', forbidden: '无权操作',
  not_found: '未找到', conflict: '冲突', unknown_list: '未知名单', rate_limited: '请求过于频繁',
  unavailable: '暂不可用', read_only: '只读', internal: '服务器内部错误', network: '网络错误',
};
// hello gives each field's name and type, not a label for people: these
// are the development lists' fields; any other field shows its name.
const FIELD_NAMES = {
  name: '名称', grade: '等级', score: '分数', report: '报告编号', valid_from: '有效期起',
  valid_until: '有效期止', category: '类别', reason: '事由', decision: '决定文书号',
  listed_on: '列入日期', expires_on: '移出日期',
};

let HELLO = null;

function listOf(name) {
  return HELLO.lists.find((l) => l.name === name);
}

function listTitle(name) {
  const l = listOf(name);
  return l ? l.title : name;
}

function fieldLabel(name) {
  return FIELD_NAMES[name] || name;
}

// A field's value for people: an enum value with its label from hello.
function fieldValue(listName, field, value) {
  const l = listOf(listName);
  const f = l && l.fields.find((x) => x.name === field);
  if (f && f.labels && f.labels[value]) return value + ' ' + f.labels[value];
  return String(value);
}

function badge(verdict) {
  return el('span', { class: 'badge v-' + verdict }, VERDICTS[verdict] || verdict);
}

function stateTag(state) {
  return el('span', { class: 'state s-' + state }, STATES[state] || CASE_STATES[state] || state);
}

function fmtTime(unix) {
  // The registry's time zone is UTC+8 (PROTOCOL.md 4.3).
  const d = new Date((unix + 8 * 3600) * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

// Today in the registry's time zone, YYYY-MM-DD.
function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// ---------- roles and routes ----------

// Which roles see which page; the server enforces the same (PROTOCOL.md 6).
const PAGES = [
  { id: 'search', title: '企业查询', roles: ['regulator', 'agency'], render: pageSearch },
  { id: 'stats', title: '统计', roles: ['regulator', 'agency', 'admin'], render: pageStats },
  { id: 'cases', title: '案件', roles: ['regulator', 'agency'], render: pageCases },
  { id: 'entry', title: '录入', roles: ['agency'], render: pageEntry },
  { id: 'check', title: '核验', roles: ['platform', 'agency', 'regulator'], render: pageCheck },
  // Reached from search results, not from the menu.
  { id: 'report', title: '信用报告', roles: ['regulator', 'agency'], render: pageReport, hidden: true },
  { id: 'history', title: '历史版本', roles: ['regulator', 'agency'], render: pageHistory, hidden: true },
];

function allowed(page) {
  return HELLO && page.roles.includes(HELLO.role);
}

function buildNav() {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  for (const p of PAGES) {
    if (p.hidden || !allowed(p)) continue;
    nav.append(el('a', { href: '#/' + p.id, 'data-page': p.id }, p.title));
  }
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const id = parts[0];
  const arg = parts.slice(1).map(decodeURIComponent).join('/');
  const visible = PAGES.filter((p) => allowed(p) && !p.hidden);
  const page = PAGES.find((p) => p.id === id) || (id === '' ? visible[0] : null);
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('current', page !== undefined && page !== null && a.dataset.page === page.id);
  }
  if (!page) {
    show(el('p', { class: 'muted' }, visible.length ? '没有这个页面。' : '当前证书没有可用的功能。'));
    return;
  }
  // A page the role may not use is not even asked of the server.
  if (!allowed(page)) {
    show(el('p', { class: 'error denied' }, '无权访问此页面（' + page.title + '）。'));
    return;
  }
  document.title = page.title + ' - 质量信用登记系统';
  page.render(arg);
}

// ---------- 企业查询 ----------

function pageSearch(q) {
  const input = el('input', { type: 'search', id: 'q', name: 'q', placeholder: '企业名称、统一社会信用代码或行政区划代码', value: q || '' });
  const out = el('div', { id: 'search-results' });
  const form = el('form', { class: 'bar', onsubmit: (e) => {
    e.preventDefault();
    // The query lives in the hash, so the back button returns to the results.
    location.hash = '#/search/' + encodeURIComponent(input.value.trim());
  } }, input, el('button', { type: 'submit' }, '查询'));
  show(el('h2', {}, '企业查询'), form, out);
  if (q) runSearch(q, out);
}

async function runSearch(q, out) {
  out.replaceChildren(el('p', { class: 'muted' }, '查询中……'));
  const r = await api('search', { q, limit: 50 });
  if (!r.ok) { out.replaceChildren(errorBox(r.error)); return; }
  const rows = r.result.results.map((x) => el('tr', { class: 'click', onclick: () => openReport(x.subject) },
    el('td', {}, el('a', { href: reportHref(x.subject) }, x.name || '（无名称）')),
    el('td', { class: 'mono' }, x.subject),
    el('td', {}, x.lists.map((l) => el('div', {}, listTitle(l.list) + ' ', stateTag(l.state)))),
    el('td', {}, badge(x.verdict))));
  out.replaceChildren(
    el('p', { class: 'muted' }, '共 ' + rows.length + ' 条' + (r.result.truncated ? '（结果过多，请细化查询）' : '')),
    rows.length ? table(['名称', '主体标识', '名单及状态', '结论'], rows) : el('p', {}, '没有找到。'));
}

function reportHref(subject) {
  return '#/report/' + encodeURIComponent(subject);
}

function openReport(subject) {
  location.hash = reportHref(subject);
}

// ---------- 信用报告 ----------

async function pageReport(subject) {
  show(el('h2', {}, '信用报告'), el('p', { class: 'muted' }, '加载中……'));
  if (!subject) { show(el('h2', {}, '信用报告'), el('p', {}, '请先在企业查询中选择一个主体。')); return; }
  const r = await api('report', { subject });
  if (!r.ok) { show(el('h2', {}, '信用报告'), errorBox(r.error)); return; }
  const rep = r.result;
  const print = el('button', { type: 'button', id: 'print', class: 'noprint', onclick: () => window.print() }, '打印');
  show(
    el('div', { class: 'title-row' }, el('h2', {}, '信用报告'), print),
    reportHead(rep),
    el('h3', {}, '名单记录'),
    rep.entries.length ? entriesTable(rep.entries) : el('p', {}, '无。'),
    rep.proposed.length ? [el('h3', {}, '拟列入（告知中）'), proposedTable(rep.proposed)] : null,
    el('h3', {}, '办理案件'),
    rep.cases.length ? casesTable(rep.cases) : el('p', {}, '无。'),
    el('h3', {}, '版本记录'),
    rep.versions.length ? timeline(rep.versions) : el('p', {}, '无。'),
    el('p', { class: 'muted small' }, '报告生成时间 ' + fmtTime(rep.registry.time) + '，日志序号 ' + rep.registry.seq +
      '，链哈希 ' + rep.registry.hash.slice(0, 16) + '…'));
}

function reportHead(rep) {
  const name = (rep.entries.find((e) => e.fields && e.fields.name) || {}).fields;
  const region = rep.region && rep.region.names.length ? rep.region.names.map((n) => n.name).join(' ') : '';
  return el('dl', { class: 'head' },
    el('dt', {}, '名称'), el('dd', { id: 'report-name' }, name ? name.name : '（无）'),
    el('dt', {}, '主体标识'), el('dd', { class: 'mono' }, rep.subject),
    region ? [el('dt', {}, '所在地区'), el('dd', {}, region)] : null,
    el('dt', {}, '综合结论'), el('dd', {}, badge(rep.verdict)),
    rep.escalation ? [el('dt', {}, '升级提示'), el('dd', { class: 'warn' },
      listTitle(rep.escalation.list) + ' 已列入 ' + rep.escalation.count + ' 次，待决定是否列入' + listTitle(rep.escalation.to))] : null);
}

function fieldsList(listName, fields) {
  return el('dl', { class: 'fields' }, Object.entries(fields || {}).map(([k, v]) =>
    [el('dt', {}, fieldLabel(k)), el('dd', {}, fieldValue(listName, k, v))]));
}

function entriesTable(entries) {
  const rows = entries.map((e) => el('tr', { 'data-list': e.list },
    el('td', {}, listTitle(e.list)),
    el('td', {}, stateTag(e.state), e.disputed ? el('div', { class: 'warn' }, '异议中（案件 ' + e.disputed + '）') : null),
    el('td', {}, fieldsList(e.list, e.fields), e.reason ? el('div', {}, '移出原因：' + e.reason) : null),
    el('td', {}, '第 ' + e.version + ' 版', el('div', { class: 'muted small' }, fmtTime(e.at) + (e.by ? ' ' + e.by : '')))));
  return table(['名单', '状态', '内容', '版本'], rows);
}

function proposedTable(proposed) {
  return table(['名单', '案件', '拟列入内容', '期限'], proposed.map((p) => el('tr', {},
    el('td', {}, listTitle(p.list)), el('td', {}, p.case), el('td', {}, fieldsList(p.list, p.fields)),
    el('td', {}, p.deadline))));
}

function casesTable(cases) {
  return table(['案件', '类型', '名单', '主体', '状态', '收到日期', '办理期限', '结果'], cases.map((c) =>
    el('tr', { class: 'case-' + c.state, 'data-case': c.case },
      el('td', {}, c.case),
      el('td', {}, CASE_KINDS[c.kind] || c.kind),
      el('td', {}, listTitle(c.list)),
      el('td', { class: 'mono' }, el('a', { href: reportHref(c.subject) }, c.subject)),
      el('td', {}, stateTag(c.state)),
      el('td', {}, c.received_on),
      el('td', {}, c.deadline, c.provisional ? '（暂定）' : ''),
      el('td', {}, c.outcome ? (OUTCOMES[c.outcome] || c.outcome) + '：' + (c.reason || '') + '（' + c.closed_on + '）' : c.text))));
}

// Every version, oldest first, as a vertical timeline.
function timeline(versions) {
  return el('ol', { class: 'timeline' }, versions.map((v) => el('li', { class: 'tl-' + v.status },
    el('div', { class: 'tl-head' }, fmtTime(v.at) + ' ' + listTitle(v.list) + ' 第 ' + v.version + ' 版 ',
      el('span', {}, v.status === 'removed' ? '移出' : '列入/更新'), v.by ? ' · ' + v.by : '', v.case ? ' · 案件 ' + v.case : ''),
    v.reason ? el('div', {}, '原因：' + v.reason) : null,
    fieldsList(v.list, v.fields))));
}

// ---------- 历史版本 ----------

async function pageHistory(subject) {
  if (!subject) { show(el('h2', {}, '历史版本'), el('p', {}, '未指定主体。')); return; }
  const r = await api('history', { subject });
  if (!r.ok) { show(el('h2', {}, '历史版本'), errorBox(r.error)); return; }
  show(el('h2', {}, '历史版本'), el('p', { class: 'mono' }, r.result.subject), timeline(r.result.versions));
}

// ---------- 统计 ----------

async function pageStats() {
  show(el('h2', {}, '统计'), el('p', { class: 'muted' }, '加载中……'));
  const [byList, byGrade, byRegion, byMonth] = await Promise.all([
    api('stats', {}), api('stats', { by: 'grade' }), api('stats', { by: 'region', region: '41' }),
    api('stats', { by: 'month' })]);
  const sections = [el('h2', {}, '统计')];
  sections.push(chartSection('按名单（有效 / 全部）', byList, (res) =>
    Object.entries(res.lists).map(([name, c]) => ({ label: listTitle(name), value: c.active, total: c.total }))));
  sections.push(chartSection('按信用等级（有效）', byGrade, (res) =>
    res.rows.map((row) => ({ label: listTitle(row.list) + ' ' + fieldValue(row.list, listOf(row.list).grade, row.key), value: row.active, total: row.total }))));
  sections.push(chartSection('河南省各市（有效 / 全部）', byRegion, (res) =>
    res.rows.map((row) => ({ label: row.key === null ? '其他主体' : (row.name || row.key), value: row.active, total: row.total }))));
  sections.push(chartSection('按列入月份（有效 / 全部）', byMonth, (res) =>
    res.rows.map((row) => ({ label: row.key === null ? '无日期' : row.key, value: row.active, total: row.total }))));
  show(sections);
}

function chartSection(title, r, toBars) {
  if (!r.ok) return el('section', { class: 'chart' }, el('h3', {}, title), errorBox(r.error));
  const bars = toBars(r.result);
  return el('section', { class: 'chart' }, el('h3', {}, title),
    bars.length ? barChart(bars) : el('p', { class: 'muted' }, '暂无数据。'));
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// A horizontal bar chart: per row a label, a light bar for the total, a dark
// one for the active part, and the numbers as text. Sizes are SVG
// attributes, not style, which the CSP allows.
function barChart(bars) {
  const rowH = 26, labelW = 220, barW = 360, numW = 110;
  const max = Math.max(1, ...bars.map((b) => b.total));
  const width = labelW + barW + numW;
  const chart = svg('svg', { class: 'bars', viewBox: `0 0 ${width} ${bars.length * rowH + 4}`,
    width: String(width), height: String(bars.length * rowH + 4), role: 'img' });
  bars.forEach((b, i) => {
    const y = i * rowH + 2;
    chart.append(svg('text', { x: labelW - 8, y: y + 17, class: 'bar-label', 'text-anchor': 'end' }, b.label));
    chart.append(svg('rect', { x: labelW, y: y + 3, width: Math.max(1, barW * b.total / max), height: rowH - 8, class: 'bar-total' }));
    chart.append(svg('rect', { x: labelW, y: y + 3, width: barW * b.value / max, height: rowH - 8, class: 'bar-active' }));
    chart.append(svg('text', { x: labelW + barW + 8, y: y + 17, class: 'bar-num' }, b.value + ' / ' + b.total));
  });
  return chart;
}

// ---------- 案件 ----------

async function pageCases() {
  show(el('h2', {}, '案件'), el('p', { class: 'muted' }, '加载中……'));
  const [open, closed] = await Promise.all([api('cases', { limit: 1000 }), api('cases', { state: 'closed', limit: 100 })]);
  if (!open.ok) { show(el('h2', {}, '案件'), errorBox(open.error)); return; }
  // Overdue first, then by deadline: what needs doing soonest on top.
  const pending = open.result.cases.slice().sort((a, b) =>
    (a.state === 'overdue' ? 0 : 1) - (b.state === 'overdue' ? 0 : 1) || a.deadline.localeCompare(b.deadline));
  const overdue = pending.filter((c) => c.state === 'overdue').length;
  show(el('h2', {}, '案件'),
    el('p', {}, '办理中 ' + pending.length + ' 件，其中超期 ', el('strong', { class: overdue ? 'warn' : '' }, String(overdue)), ' 件'),
    el('h3', {}, '待办（超期在前，按期限排序）'),
    pending.length ? casesTable(pending) : el('p', {}, '无待办案件。'),
    el('h3', {}, '已办结（最近）'),
    !closed.ok ? errorBox(closed.error) :
      closed.result.cases.length ? casesTable(closed.result.cases.slice().reverse()) : el('p', {}, '无。'));
}

// ---------- 录入 ----------

function pageEntry() {
  const lists = HELLO.writable;
  if (!lists.length) { show(el('h2', {}, '录入'), el('p', {}, '当前证书没有可写的名单。')); return; }
  const listSel = el('select', { id: 'entry-list', name: 'list' }, lists.map((n) => el('option', { value: n }, listTitle(n))));
  const holder = el('div');
  const redraw = () => holder.replaceChildren(
    putForm(listSel.value), noticeForm(listSel.value), removeForm(listSel.value), caseOpenForm(listSel.value),
    caseCloseForm());
  listSel.addEventListener('change', redraw);
  show(el('h2', {}, '录入'), el('label', { class: 'inline' }, '名单 ', listSel), holder);
  redraw();
}

// One labelled input; `hint` under it, and an empty error slot the
// server's message goes into.
function field(name, label, input, hint) {
  input.name = name;
  input.id = input.id || 'f-' + name;
  return el('div', { class: 'field', 'data-field': name },
    el('label', { for: input.id }, label), input,
    hint ? el('span', { class: 'hint' }, hint) : null,
    el('span', { class: 'field-error', role: 'alert' }));
}

// The inputs for one schema field of hello. Enums are free text with a
// list of suggestions, so the server (not the browser) is the one judge of
// a value, and its message is what the clerk sees.
function schemaInput(list, f, prefix) {
  const id = prefix + '-' + f.name;
  let input, hint = f.required ? '必填' : '';
  if (f.type === 'enum') {
    const dl = el('datalist', { id: id + '-values' }, f.values.map((v) =>
      el('option', { value: v }, f.labels && f.labels[v] ? f.labels[v] : v)));
    input = el('input', { id, list: id + '-values', autocomplete: 'off' });
    hint += (hint ? '；' : '') + f.values.map((v) => (f.labels && f.labels[v] ? v + ' ' + f.labels[v] : v)).join('，');
    return [field(f.name, fieldLabel(f.name), input, hint), dl];
  }
  if (f.type === 'date') {
    input = el('input', { id, placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
  } else if (f.type === 'int') {
    input = el('input', { id, inputmode: 'numeric', autocomplete: 'off' });
    hint += (hint ? '；' : '') + f.min + '–' + f.max;
  } else {
    input = el(f.max_len && f.max_len <= 256 ? 'input' : 'textarea', { id });
  }
  return field(f.name, fieldLabel(f.name), input, hint);
}

// A form's fields, as the schema says: empty optional fields are left out,
// integers sent as numbers when they are numbers (else as typed, so the
// server names the field).
function readFields(form, schema) {
  const out = {};
  for (const f of schema.fields) {
    const input = form.elements[f.name];
    const v = input ? input.value.trim() : '';
    if (v === '') continue;
    out[f.name] = f.type === 'int' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

// Show the server's error: next to the field it names ("fields.grade: …"
// or "reason: …"), and always in the form's own message line.
function showFormError(form, err) {
  const m = /^(?:fields\.)?([A-Za-z_][\w-]*)\b/.exec(err.message || '');
  const slot = m && form.querySelector(`[data-field="${m[1]}"] .field-error`);
  if (slot) {
    slot.textContent = err.message;
    slot.closest('.field').classList.add('has-error');
  }
  form.querySelector('.form-msg').replaceChildren(errorBox(err));
}

function clearFormError(form) {
  for (const s of form.querySelectorAll('.field-error')) s.textContent = '';
  for (const f of form.querySelectorAll('.has-error')) f.classList.remove('has-error');
  form.querySelector('.form-msg').replaceChildren();
}

// A form that sends one op; `args` reads the arguments, `done` shows the result.
function opForm(id, title, inputs, submitText, args, done) {
  const form = el('form', { id, class: 'op-form' }, el('h3', {}, title), inputs,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, submitText)),
    el('div', { class: 'form-msg' }), el('div', { class: 'form-result' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFormError(form);
    form.querySelector('.form-result').replaceChildren();
    const a = args(form);
    const r = await api(a.op, a.args);
    if (!r.ok) { showFormError(form, r.error); return; }
    done(form, r.result, a.args);
  });
  return form;
}

function putForm(list) {
  const schema = listOf(list);
  return opForm('form-put', '列入 / 更新（' + schema.title + '）',
    [field('subject', '主体标识', el('input', { id: 'put-subject', autocomplete: 'off' }), '如统一社会信用代码，或 guide:、site:、plate: 开头'),
      schema.fields.map((f) => schemaInput(list, f, 'put'))],
    '提交',
    (form) => ({ op: 'put', args: { list, subject: form.elements.subject.value.trim(), fields: readFields(form, schema) } }),
    async (form, res, args) => {
      const box = form.querySelector('.form-result');
      box.append(el('p', { class: 'ok' }, '已保存：第 ' + res.version + ' 版（序号 ' + res.seq + '）'));
      // Read the entry back, so the clerk sees what the registry now holds.
      const g = await api('get', { subject: args.subject, lists: [list] });
      box.append(g.ok ? entriesTable(g.result.entries) : errorBox(g.error));
    });
}

// 告知: the proposed listing lives in a notice case until it is closed
// 'listed' (then it is written) or 'withdrawn'.
function noticeForm(list) {
  const schema = listOf(list);
  return opForm('form-notice', '拟列入告知（' + schema.title + '）',
    [field('subject', '主体标识', el('input', { id: 'nt-subject', autocomplete: 'off' })),
      schema.fields.map((f) => schemaInput(list, f, 'nt')),
      field('received_on', '告知日期', el('input', { id: 'nt-received', value: today(), placeholder: 'YYYY-MM-DD' })),
      field('text', '告知内容', el('textarea', { id: 'nt-text' }), '必填')],
    '告知',
    (form) => ({ op: 'case_open', args: { list, subject: form.elements.subject.value.trim(), kind: 'notice',
      received_on: form.elements.received_on.value.trim(), text: form.elements.text.value.trim(),
      fields: readFields(form, schema) } }),
    (form, res) => form.querySelector('.form-result').append(el('p', { class: 'ok', id: 'notice-opened' },
      '已告知：案件 ' + res.case + '，陈述申辩期限 ' + res.deadline + (res.provisional ? '（暂定）' : ''))));
}

function removeForm(list) {
  return opForm('form-remove', '移出名单', [
    field('subject', '主体标识', el('input', { id: 'rm-subject', autocomplete: 'off' })),
    field('reason', '移出原因', el('input', { id: 'rm-reason' }), '必填，如信用修复、复议撤销'),
  ], '移出',
  (form) => ({ op: 'remove', args: { list, subject: form.elements.subject.value.trim(), reason: form.elements.reason.value.trim() } }),
  (form, res) => form.querySelector('.form-result').append(el('p', { class: 'ok' }, '已移出：第 ' + res.version + ' 版')));
}

function caseOpenForm(list) {
  const kind = el('select', { id: 'co-kind' }, ['objection', 'repair'].map((k) => el('option', { value: k }, CASE_KINDS[k])));
  return opForm('form-case-open', '受理异议 / 信用修复申请', [
    field('subject', '主体标识', el('input', { id: 'co-subject', autocomplete: 'off' })),
    field('kind', '类型', kind),
    field('received_on', '收到日期', el('input', { id: 'co-received', value: today(), placeholder: 'YYYY-MM-DD' })),
    field('text', '申请内容', el('textarea', { id: 'co-text' }), '必填'),
  ], '受理',
  (form) => ({ op: 'case_open', args: { list, subject: form.elements.subject.value.trim(), kind: form.elements.kind.value,
    received_on: form.elements.received_on.value.trim(), text: form.elements.text.value.trim() } }),
  (form, res) => {
    form.querySelector('.form-result').append(el('p', { class: 'ok', id: 'case-opened', 'data-case': res.case },
      '已受理：案件 ' + res.case + '，办理期限 ' + res.deadline + (res.provisional ? '（暂定）' : '')));
    // Offer the new case to the closing form below.
    const close = document.getElementById('cc-case');
    if (close) close.value = String(res.case);
  });
}

function caseCloseForm() {
  const outcome = el('select', { id: 'cc-outcome' }, Object.entries(OUTCOMES_OF).map(([kind, outs]) =>
    el('optgroup', { label: CASE_KINDS[kind] }, outs.map((o) => el('option', { value: o }, OUTCOMES[o])))));
  return opForm('form-case-close', '办结案件', [
    field('case', '案件编号', el('input', { id: 'cc-case', inputmode: 'numeric', autocomplete: 'off' })),
    field('outcome', '结果', outcome),
    field('reason', '理由', el('textarea', { id: 'cc-reason' }), '必填'),
  ], '办结',
  (form) => {
    const c = form.elements.case.value.trim();
    return { op: 'case_close', args: { case: /^\d+$/.test(c) ? Number(c) : c, outcome: form.elements.outcome.value,
      reason: form.elements.reason.value.trim() } };
  },
  (form, res, args) => form.querySelector('.form-result').append(el('p', { class: 'ok', id: 'case-closed' },
    '已办结：案件 ' + args.case + '，' + OUTCOMES[args.outcome] + (res.version ? '，写入第 ' + res.version + ' 版' : ''))));
}

// ---------- 核验 ----------

function pageCheck() {
  const text = el('textarea', { id: 'subjects', rows: '8', placeholder: '每行一个主体标识，如统一社会信用代码、site:example.cn' });
  const out = el('div', { id: 'check-results' });
  const form = el('form', { class: 'op-form', onsubmit: async (e) => {
    e.preventDefault();
    const subjects = text.value.split('\n').map((s) => s.trim()).filter((s) => s);
    if (!subjects.length) { out.replaceChildren(el('p', { class: 'error' }, '请输入至少一个主体标识。')); return; }
    out.replaceChildren(el('p', { class: 'muted' }, '核验中……'));
    const r = await api('check', { subjects });
    if (!r.ok) { out.replaceChildren(errorBox(r.error)); return; }
    out.replaceChildren(checkTable(r.result.results));
  } }, el('label', { for: 'subjects' }, '主体标识（每行一个）'), text,
  el('div', { class: 'actions' }, el('button', { type: 'submit' }, '核验')));
  show(el('h2', {}, '核验'), form, out);
}

function checkTable(results) {
  return table(['主体标识', '结论', '命中名单'], results.map((x) => el('tr', { 'data-subject': x.subject },
    el('td', { class: 'mono' }, x.subject),
    el('td', {}, x.error ? el('span', { class: 'error' }, ERROR_NAMES[x.error] || x.error) : badge(x.verdict)),
    el('td', {}, (x.hits || []).map((h) => el('div', {}, listTitle(h.list),
      h.grade ? ' 等级 ' + h.grade : '', h.until ? ' 至 ' + h.until : '', h.disputed ? '（异议中）' : ''))))));
}

// ---------- start ----------

async function start() {
  const r = await api('hello');
  if (!r.ok) { show(el('h2', {}, '无法连接'), errorBox(r.error)); return; }
  HELLO = r.result;
  document.getElementById('who').textContent =
    HELLO.principal + '（' + (ROLES[HELLO.role] || HELLO.role || '未配置') + '）';
  document.body.dataset.role = HELLO.role || 'none';
  buildNav();
  window.addEventListener('hashchange', route);
  route();
}

start();
