// Archipelago operator console. Plain JavaScript, no library. Everything it shows comes from the
// gateway's admin API (same origin) with the admin token kept in sessionStorage and sent as
// X-Auth-Token; the token never goes into a URL. Data is written with textContent only.
'use strict';

(function () {
  const TOKEN_KEY = 'archipelago.console.token';
  const USER_KEY = 'archipelago.console.user';
  const VIEWS = ['overview', 'containers', 'audit', 'failures', 'migrations'];
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const REFRESH_MS = 5000;

  const $ = (id) => document.getElementById(id);
  let refreshTimer = null;
  let followAbort = null;
  let migrationsAvailable = null;
  let backendIds = [];

  // ---------- small DOM helpers (textContent only) ----------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function td(value, cls) { return el('td', { class: cls, text: value === null || value === undefined ? '' : String(value) }); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function badge(text, kind) { return el('span', { class: 'badge ' + kind, text: text }); }
  function status(text) { $('status').textContent = text || ''; }

  function bytes(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
    let v = Number(n), i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
  }
  function duration(s) {
    if (s === null || s === undefined || isNaN(s) || s < 0) return '–';
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h > 0 ? h + 'h ' + m + 'm' : m > 0 ? m + 'm ' + r + 's' : r + 's';
  }
  // Swift's internal timestamps ("1733312345.12345") as ISO-8601
  function swiftTime(t) {
    const n = Number(String(t).split('_')[0]);
    return isNaN(n) || n <= 0 ? String(t) : new Date(n * 1000).toISOString();
  }

  // ---------- session and the admin API ----------
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const opts = options || {};
    const headers = { 'X-Auth-Token': token() || '' };
    if (opts.json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method: opts.method || 'GET',
      headers: headers,
      body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
      cache: 'no-store',
      credentials: 'omit',
      signal: opts.signal,
    });
    if (response.status === 401) {
      logout('Your session has expired; log in again.');
      throw new ApiError(401, 'not logged in');
    }
    if (opts.raw) return response;
    if (!response.ok) {
      const text = (await response.text()).trim();
      throw new ApiError(response.status, response.status + ' ' + (text || response.statusText));
    }
    const type = response.headers.get('Content-Type') || '';
    return type.includes('json') && !type.includes('ndjson') ? response.json() : response.text();
  }

  function ndjson(text) {
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  }

  function q(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
    const s = u.toString();
    return s ? '?' + s : '';
  }
  const enc = encodeURIComponent;

  async function login(event) {
    event.preventDefault();
    const user = $('login-user').value.trim();
    const key = $('login-key').value;
    $('login-error').textContent = '';
    try {
      const r = await fetch('/auth/v1.0', {
        headers: { 'X-Auth-User': user, 'X-Auth-Key': key },
        cache: 'no-store',
        credentials: 'omit',
      });
      const t = r.headers.get('X-Auth-Token');
      if (!r.ok || !t) {
        $('login-error').textContent = r.status === 401 ? 'Unknown user or wrong key.' : 'Login failed (' + r.status + ').';
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, t);
      const probe = await fetch('/admin/backends', { headers: { 'X-Auth-Token': t }, cache: 'no-store', credentials: 'omit' });
      if (probe.status === 403) {
        sessionStorage.removeItem(TOKEN_KEY);
        $('login-error').textContent = 'This user is not an administrator of the gateway.';
        return;
      }
      sessionStorage.setItem(USER_KEY, user);
      $('login-key').value = '';
      start();
    } catch (e) {
      $('login-error').textContent = 'The gateway did not answer: ' + e.message;
    }
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    stopFollow();
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = null;
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('login-user').focus();
  }

  function start() {
    $('login').hidden = true;
    $('app').hidden = false;
    $('who').textContent = sessionStorage.getItem(USER_KEY) || '';
    if (!location.hash) history.replaceState(null, '', '#overview');
    show(currentView());
    if (!refreshTimer) refreshTimer = setInterval(refresh, REFRESH_MS);
  }

  function currentView() {
    const v = location.hash.replace('#', '');
    return VIEWS.includes(v) ? v : 'overview';
  }

  function show(view) {
    for (const v of VIEWS) $('view-' + v).hidden = v !== view;
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (view !== 'audit') stopFollow();
    window.scrollTo(0, 0);
    status('');
    load(view);
  }

  function load(view) {
    const loaders = { overview: loadOverview, containers: () => {}, audit: loadAudit, failures: loadFailures, migrations: loadMigrations };
    Promise.resolve(loaders[view]()).catch(report);
    loadExtensions(view);
  }

  // views of other files (placement.js, ...) register loaders here: run on show and on refresh
  const extensions = {};
  function extend(view, loader) { (extensions[view] = extensions[view] || []).push(loader); }
  function loadExtensions(view) {
    for (const loader of extensions[view] || []) Promise.resolve().then(loader).catch(report);
  }

  function refresh() {
    if (!token()) return;
    const view = currentView();
    loadExtensions(view);
    if (view === 'overview') loadOverview().catch(report);
    else if (view === 'migrations') loadMigrations().catch(report);
    else if (view === 'failures') loadFailures().catch(report);
  }

  function report(e) {
    if (e && e.status === 401) return;
    status('Error: ' + (e && e.message ? e.message : String(e)));
  }

  // ---------- Overview ----------
  async function loadOverview() {
    const [backends, health, cluster, sync, containers, history, migrationFailures] = await Promise.all([
      api('/admin/backends'),
      api('/admin/backend-health'),
      api('/admin/cluster'),
      api('/admin/sync'),
      api('/admin/containers' + q({ limit: 1000 })),
      api('/admin/metrics/history'),
      api('/admin/migrations/failures'),
    ]);
    const healthById = {};
    for (const h of health.backends) healthById[h.id] = h;
    backendIds = backends.backends.map((b) => b.id);
    renderBackends(backends.backends, healthById);
    renderNodes(cluster.members);
    renderTotals(backends.backends, cluster.members, containers);
    renderAlerts(backends.backends, healthById, sync, migrationFailures.failures);
    renderCapacityChart(backends.backends);
    renderRateChart(history);
    renderLatencyChart(history);
    status('Updated ' + new Date().toLocaleTimeString());
  }

  function capacityOf(b) {
    const total = b.totalBytes !== undefined ? b.totalBytes : b.configuredCapacity;
    const used = b.usedBytes !== undefined ? b.usedBytes : 0;
    return { total: total || 0, used: used || 0, free: Math.max(0, (total || 0) - (used || 0)) };
  }

  function capacityBar(b) {
    const c = capacityOf(b);
    const w = 160, h = 14;
    const usedW = c.total > 0 ? Math.min(w, Math.round((c.used / c.total) * w)) : 0;
    const s = svg('svg', { class: 'capbar', viewBox: '0 0 ' + w + ' ' + h, role: 'img',
      'aria-label': bytes(c.used) + ' used of ' + bytes(c.total) });
    s.append(svg('rect', { class: 'free', x: 0, y: 0, width: w, height: h }));
    s.append(svg('rect', { class: 'used', x: 0, y: 0, width: usedW, height: h }));
    return s;
  }

  function renderBackends(list, healthById) {
    const body = $('backends-table').tBodies[0];
    clear(body);
    for (const b of list) {
      const h = healthById[b.id] || {};
      const c = capacityOf(b);
      const probe = h.lastProbe;
      const stateKind = b.state === 'active' ? 'ok' : b.state === 'draining' ? 'warn' : 'bad';
      const row = el('tr', { 'data-backend': b.id },
        td(b.id),
        td(b.kind),
        td((b.tiers || []).join(', ')),
        td(b.site),
        el('td', null, badge(b.state, stateKind)),
        el('td', null, h.breaker === 'open' ? badge('open', 'bad') : h.breaker === 'closed' ? badge('closed', 'ok') : badge('none', 'ok')),
        el('td', { title: probe ? probe.at : null }, probe ? (probe.ok ? badge('ok', 'ok') : badge('failed', 'bad')) : '–',
          probe ? ' ' + new Date(probe.at).toLocaleTimeString() : '',
          probe && probe.error ? el('div', { class: 'hint', text: probe.error }) : null),
        el('td', { class: 'capacity', 'data-used': String(c.used), 'data-total': String(c.total) }, capacityBar(b),
          el('span', { class: 'cap-text', text: bytes(c.used) + ' used, ' + bytes(c.free) + ' free of ' + bytes(c.total) })));
      body.append(row);
    }
  }

  function renderNodes(members) {
    const body = $('nodes-table').tBodies[0];
    clear(body);
    for (const m of members) {
      const pairs = (o) => Object.entries(o || {}).map(([k, v]) => k + ': ' + v).join(', ') || '–';
      body.append(el('tr', null,
        td(m.address + (m.self ? ' (this node)' : '')),
        el('td', null, badge(m.status, m.status === 'Up' ? 'ok' : 'warn')),
        el('td', null, m.reachable ? badge('yes', 'ok') : badge('no', 'bad')),
        td((m.roles || []).join(', ')),
        td(pairs(m.shards)),
        td(pairs(m.entities))));
    }
  }

  function renderTotals(backends, members, containers) {
    let total = 0, used = 0;
    for (const b of backends) { const c = capacityOf(b); total += c.total; used += c.used; }
    const box = $('totals');
    clear(box);
    const item = (label, value, id) => el('div', { id: id }, el('strong', { text: value }), label);
    box.append(
      item('gateway nodes', String(members.length), 'total-nodes'),
      item('backends', String(backends.length), 'total-backends'),
      item('containers', containers.containers.length + (containers.truncated ? '+' : ''), 'total-containers'),
      item('capacity', bytes(total), 'total-capacity'),
      item('used', bytes(used), 'total-used'),
      item('free', bytes(Math.max(0, total - used)), 'total-free'));
  }

  function renderAlerts(backends, healthById, sync, migrationFailures) {
    const threshold = Number($('lag-threshold').value) || 60;
    const alerts = [];
    for (const b of backends) {
      const h = healthById[b.id] || {};
      if (b.state === 'down') alerts.push('Backend ' + b.id + ' is down.');
      if (h.breaker === 'open') alerts.push('Backend ' + b.id + ': circuit breaker open (requests fail fast).');
      if (h.lastProbe && !h.lastProbe.ok) alerts.push('Backend ' + b.id + ' did not answer its last probe: ' + (h.lastProbe.error || ''));
    }
    for (const r of sync.replicas) {
      const name = r.account + '/' + r.container + ' → ' + r.replica;
      if (r.lagSeconds > threshold) alerts.push('Replica lag over ' + threshold + ' s: ' + name + ' (' + duration(r.lagSeconds) + ', ' + r.lagEvents + ' changes).');
      if (r.failedObjects > 0) alerts.push('Failed copies: ' + name + ' (' + r.failedObjects + ' objects).');
    }
    if (sync.unanswered > 0) alerts.push(sync.unanswered + ' replicated containers did not answer in time.');
    const failedMoves = {};
    for (const f of migrationFailures) {
      const name = f.account + '/' + f.container + ' → ' + f.target;
      failedMoves[name] = (failedMoves[name] || 0) + 1;
    }
    for (const [name, n] of Object.entries(failedMoves)) alerts.push('Failed migration copies: ' + name + ' (' + n + ' objects).');
    const box = $('alerts');
    clear(box);
    if (alerts.length === 0) box.append(el('div', { class: 'alert none', text: 'No alerts.' }));
    for (const a of alerts) box.append(el('div', { class: 'alert', role: 'alert', text: a }));
  }

  function renderCapacityChart(backends) {
    const rowH = 26, labelW = 130, barW = 300, W = labelW + barW + 10;
    const H = Math.max(1, backends.length) * rowH + 6;
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Capacity per backend' });
    backends.forEach((b, i) => {
      const c = capacityOf(b);
      const y = i * rowH + 3;
      const usedW = c.total > 0 ? Math.min(barW, (c.used / c.total) * barW) : 0;
      const g = svg('g', { 'data-backend': b.id });
      g.append(svg('text', { x: 0, y: y + 15 }, b.id));
      g.append(svg('rect', { class: 'free', x: labelW, y: y, width: barW, height: 18 }));
      g.append(svg('rect', { class: 'used', x: labelW, y: y, width: usedW.toFixed(1), height: 18 }));
      g.append(svg('title', {}, b.id + ': ' + bytes(c.used) + ' used, ' + bytes(c.free) + ' free'));
      const pct = c.total > 0 ? Math.round((c.used / c.total) * 100) + '%' : 'n/a';
      g.append(svg('text', { x: labelW + 4, y: y + 14 }, pct));
      s.append(g);
    });
    const box = $('capacity-chart');
    clear(box);
    box.append(s);
  }

  // a line chart of the node's request history (GET /admin/metrics/history), one line per series;
  // the last sample's values go into data- attributes (what the browser test compares)
  function historyChart(box, history, label, unit, series) {
    const W = 440, H = 160, left = 40, bottom = 18;
    const samples = history.samples || [];
    const points = Math.max(2, samples.length);
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label,
      'data-samples': String(samples.length) });
    let max = 1;
    for (const k of series) for (const p of samples) { const v = k.value(p); if (v !== null && v !== undefined) max = Math.max(max, v); }
    s.append(svg('line', { class: 'axis', x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
    s.append(svg('line', { class: 'axis', x1: left, y1: 4, x2: left, y2: H - bottom }));
    s.append(svg('text', { x: 2, y: 12 }, max.toFixed(1)));
    s.append(svg('text', { x: 2, y: H - bottom }, '0'));
    s.append(svg('text', { x: W - 2, y: 12, 'text-anchor': 'end' }, 'last ' + duration(samples.length * (history.intervalSeconds || 5)) + ', ' + unit));
    const step = (W - left) / (points - 1);
    const last = samples.length ? samples[samples.length - 1] : null;
    const legend = series.map((k) => {
      const v = last ? k.value(last) : null;
      return k.name + ' ' + (v === null || v === undefined ? '–' : Number(v).toFixed(1));
    });
    // about 6.5 px per character of the 11 px legend text, and the key's square
    let legendX = W - legend.reduce((w, t) => w + t.length * 6.5 + 18, 0);
    if (last) s.setAttribute('data-last-at', last.at);
    for (const k of series) {
      // a sample without requests has no latency: the line breaks there
      let run = [];
      const flush = () => { if (run.length > 0) s.append(svg('polyline', { class: k.cls, points: run.join(' ') })); run = []; };
      samples.forEach((p, i) => {
        const v = k.value(p);
        if (v === null || v === undefined) { flush(); return; }
        const x = left + (points - samples.length + i) * step;
        const y = H - bottom - (v / max) * (H - bottom - 8);
        run.push(x.toFixed(1) + ',' + y.toFixed(1));
      });
      flush();
      const lastValue = last ? k.value(last) : null;
      s.setAttribute('data-' + k.name, lastValue === null || lastValue === undefined ? '' : String(lastValue));
      const text = legend[series.indexOf(k)];
      s.append(svg('rect', { class: 'k' + k.name, x: legendX, y: H - 12, width: 8, height: 8 }));
      s.append(svg('text', { x: legendX + 11, y: H - 4 }, text));
      legendX += text.length * 6.5 + 18;
    }
    clear(box);
    box.append(s);
  }

  function renderRateChart(history) {
    historyChart($('rate-chart'), history, 'Request rates', 'req/s',
      ['2xx', '3xx', '4xx', '5xx'].map((c) => ({ name: c, cls: 's' + c, value: (p) => p.requestsPerSecond[c] })));
  }

  function renderLatencyChart(history) {
    historyChart($('latency-chart'), history, 'Request latency', 'ms', [
      { name: 'p50', cls: 'p50', value: (p) => p.latency.p50Ms },
      { name: 'p99', cls: 'p99', value: (p) => p.latency.p99Ms },
    ]);
  }

  // ---------- Containers ----------
  async function searchContainers(event) {
    if (event) event.preventDefault();
    const result = await api('/admin/containers' + q({ account: $('search-account').value.trim(), name: $('search-name').value.trim() }));
    const body = $('container-results').tBodies[0];
    clear(body);
    for (const c of result.containers) {
      body.append(el('tr', null,
        td(c.account),
        el('td', null, el('button', { type: 'button', class: 'link', text: c.container,
          onclick: () => openContainer(c.account, c.container).catch(report) })),
        td(c.policy),
        td(c.primary),
        td(c.replicas.join(', ')),
        td(c.objectCount, 'num'),
        td(bytes(c.bytesUsed), 'num')));
    }
    $('search-summary').textContent = result.containers.length + ' container(s)' + (result.truncated ? ', more match: narrow the search' : '') + '.';
  }

  let openAccount = null, openContainerName = null;

  async function openContainer(account, container) {
    openAccount = account;
    openContainerName = container;
    const base = '/admin/containers/' + enc(account) + '/' + enc(container);
    const [info, audit] = await Promise.all([
      api(base),
      api('/admin/audit' + q({ account: account, container: container, limit: 500 })),
    ]);
    $('container-detail').hidden = false;
    $('detail-title').textContent = account + ' / ' + container;
    facts($('detail-facts'), [
      ['State', info.state], ['Policy', info.policy], ['Primary', info.assignment.primary],
      ['Replicas', info.assignment.replicas.join(', ') || 'none'], ['Objects', String(info.objectCount)],
      ['Bytes', bytes(info.bytesUsed)], ['Created', swiftTime(info.createdAt)], ['Modified', swiftTime(info.modifiedAt)],
    ]);
    const meta = $('detail-metadata').tBodies[0];
    clear(meta);
    for (const [k, v] of Object.entries(info.metadata || {})) meta.append(el('tr', null, td(k), td(v)));
    const sync = $('detail-sync').tBodies[0];
    clear(sync);
    for (const [replica, r] of Object.entries((info.sync && info.sync.replicas) || {})) {
      sync.append(el('tr', null, td(replica), td(r.lagEvents, 'num'), td(Number(r.lagSeconds).toFixed(1), 'num'),
        td(r.failedObjects, 'num'), td(r.lastError || '')));
    }
    const timeline = $('timeline');
    clear(timeline);
    const events = ndjson(audit).filter((e) => e.type);
    for (const e of events.reverse()) {
      timeline.append(el('li', null,
        el('span', { class: 'when', text: e.at || e.writtenAt }),
        el('strong', { text: e.type }), ' by ' + (e.principal || '?') + ' ', el('span', { class: 'hint', text: summary(e) }),
        el('button', { type: 'button', class: 'secondary', text: 'State then',
          onclick: () => { $('history-at').value = e.at || e.writtenAt; showHistory().catch(report); } })));
    }
    if (events.length === 0) timeline.append(el('li', { text: 'No recorded events.' }));
    $('history-at').value = new Date().toISOString();
    clear($('history-state'));
    $('detail-title').scrollIntoView({ block: 'start' });
  }

  async function showHistory(event) {
    if (event) event.preventDefault();
    if (!openAccount) return;
    const at = $('history-at').value.trim();
    const h = await api('/admin/containers/' + enc(openAccount) + '/' + enc(openContainerName) + '/history' + q({ at: at }));
    facts($('history-state'), [
      ['At', h.at], ['After event', h.lastEvent ? '#' + h.sequenceNr + ' ' + h.lastEvent.type : 'none (did not exist yet)'],
      ['State', h.state], ['Policy', h.policy], ['Primary', h.assignment.primary],
      ['Replicas', h.assignment.replicas.join(', ') || 'none'], ['Objects', String(h.objectCount)], ['Bytes', bytes(h.bytesUsed)],
      ['Metadata', Object.entries(h.metadata || {}).map(([k, v]) => k + ': ' + v).join('; ') || 'none'],
    ]);
  }

  function facts(dl, rows) {
    clear(dl);
    for (const [k, v] of rows) dl.append(el('dt', { text: k }), el('dd', { text: v === null || v === undefined ? '' : String(v) }));
  }

  function summary(e) {
    const ev = e.event || {};
    const parts = [];
    for (const k of ['name', 'size', 'etag', 'backend', 'target', 'state', 'policy', 'primary']) {
      if (ev[k] !== undefined && ev[k] !== null && typeof ev[k] !== 'object') parts.push(k + '=' + ev[k]);
    }
    return parts.join(' ');
  }

  // ---------- Audit ----------
  function auditParams() {
    return {
      account: $('audit-account').value.trim(), container: $('audit-container').value.trim(),
      principal: $('audit-principal').value.trim(), type: $('audit-type').value.trim(),
      since: $('audit-since').value.trim(), until: $('audit-until').value.trim(),
    };
  }

  function auditRow(e) {
    return el('tr', { 'data-seq': String(e.seq) },
      td(e.at || e.writtenAt), td(e.type), td(e.principal), td(e.entityId), td(summary(e)));
  }

  async function loadAudit(event) {
    if (event) event.preventDefault();
    const p = auditParams();
    p.limit = 200;
    // the newest first: read up to 200 lines, then follow the cursor to the end of the range
    let rows = [], next = null, pages = 0;
    do {
      const text = await api('/admin/audit' + q(Object.assign({}, p, next ? { next: next } : {})));
      const lines = ndjson(text);
      next = null;
      for (const l of lines) { if (l.next) next = l.next; else if (l.type) rows.push(l); }
      if (rows.length > 1000) rows = rows.slice(-1000);
      pages++;
    } while (next && pages < 50);
    const body = $('audit-table').tBodies[0];
    clear(body);
    for (const e of rows.reverse()) body.append(auditRow(e));
    $('audit-summary').textContent = rows.length + ' event(s), newest first' + (next ? ' (the newest 1000 of more)' : '') + '.';
  }

  function stopFollow() {
    if (followAbort) followAbort.abort();
    followAbort = null;
    const b = $('audit-follow');
    if (b) { b.setAttribute('aria-pressed', 'false'); b.textContent = 'Follow'; }
  }

  async function toggleFollow() {
    if (followAbort) { stopFollow(); return; }
    followAbort = new AbortController();
    const b = $('audit-follow');
    b.setAttribute('aria-pressed', 'true');
    b.textContent = 'Following… (stop)';
    const p = auditParams();
    p.follow = 'true';
    const body = $('audit-table').tBodies[0];
    const signal = followAbort.signal;
    try {
      const response = await api('/admin/audit' + q(p), { raw: true, signal: signal });
      if (!response.ok) throw new ApiError(response.status, response.status + ' ' + (await response.text()).trim());
      $('audit-summary').textContent = 'Following new events…';
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.substring(0, nl).trim();
          buffer = buffer.substring(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line);
          if (e.type) body.insertBefore(auditRow(e), body.firstChild);
        }
      }
    } catch (e) {
      if (e.name !== 'AbortError') report(e);
    } finally {
      if (followAbort && followAbort.signal === signal) stopFollow();
    }
  }

  async function exportAudit() {
    const p = auditParams();
    const response = await api('/admin/audit' + q(p), { raw: true });
    if (!response.ok) throw new ApiError(response.status, response.status + ' ' + (await response.text()).trim());
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: 'audit-' + new Date().toISOString().replace(/[:.]/g, '-') + '.ndjson' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status('Exported ' + bytes(blob.size) + ' of audit log.');
  }

  // ---------- Failures ----------
  async function loadFailures() {
    const [sync, moves] = await Promise.all([api('/admin/sync'), api('/admin/migrations/failures')]);
    const failing = sync.replicas.filter((r) => r.failedObjects > 0 || r.lastError || r.needsReconcile);
    const body = $('failures-table').tBodies[0];
    clear(body);
    for (const r of failing) {
      body.append(el('tr', null,
        td(r.account + '/' + r.container), td(r.primary), td(r.replica), td(r.failedObjects, 'num'),
        td(Number(r.lagSeconds).toFixed(1), 'num'), td(r.lastError || ''),
        el('td', null, el('button', { type: 'button', text: 'Retry', 'aria-label': 'Retry ' + r.account + '/' + r.container,
          onclick: () => retry(r).catch(report) }))));
    }
    $('sync-retry-all').disabled = failing.length === 0;
    $('failures-summary').textContent = failing.length === 0
      ? 'No failed copies among ' + sync.containers + ' replicated container(s).'
      : failing.length + ' replica(s) with failures.';
    const mbody = $('migration-failures-table').tBodies[0];
    clear(mbody);
    for (const f of moves.failures) {
      mbody.append(el('tr', { 'data-failure': f.account + '/' + f.container + '/' + f.object },
        td(f.account + '/' + f.container), td(f.object), td(f.source), td(f.target), td(f.error), td(f.at),
        el('td', null, el('button', { type: 'button', text: 'Retry', 'aria-label': 'Retry ' + f.object,
          onclick: () => retryCopy(f).catch(report) }))));
    }
    $('migration-retry-all').disabled = moves.failures.length === 0;
    $('migration-failures-summary').textContent = moves.failures.length === 0
      ? 'No failed copies in running migrations.'
      : moves.failures.length + ' failed cop' + (moves.failures.length === 1 ? 'y' : 'ies') + ' in running migrations.';
  }

  async function retry(r) {
    status('Reconciling ' + r.account + '/' + r.container + '…');
    const report = await api('/admin/containers/' + enc(r.account) + '/' + enc(r.container) + '/reconcile', { method: 'POST' });
    status('Reconciled ' + r.account + '/' + r.container + ': ' + report.replicas.map((x) =>
      x.replica + ' copied ' + x.copied + ', deleted ' + x.deleted + ', failed ' + x.failed + (x.error ? ' (' + x.error + ')' : '')).join('; '));
    await loadFailures();
  }

  async function retrySyncAll() {
    status('Reconciling every container with failed copies…');
    const r = await api('/admin/sync/failures/retry-all', { method: 'POST', json: {} });
    status('Reconciled ' + r.retried + ' container(s), ' + r.failed + ' still failing.');
    await loadFailures();
  }

  function retriedText(r) {
    const failed = r.retried.filter((x) => !x.ok);
    return 'Copied ' + r.repaired + ' object(s) again, ' + r.failed + ' failed' +
      (failed.length ? ': ' + failed.map((x) => x.object + ' (' + x.error + ')').join('; ') : '') + '.';
  }

  async function retryCopy(f) {
    status('Copying ' + f.object + ' of ' + f.account + '/' + f.container + ' again…');
    const r = await api('/admin/migrations/failures/retry', { method: 'POST',
      json: { account: f.account, container: f.container, object: f.object } });
    status(retriedText(r));
    await loadFailures();
  }

  async function retryCopyAll() {
    status('Copying every failed object of the running migrations again…');
    const r = await api('/admin/migrations/failures/retry-all', { method: 'POST', json: {} });
    status(retriedText(r));
    await loadFailures();
  }

  // ---------- Migrations ----------
  async function loadMigrations() {
    const response = await api('/admin/migrations', { raw: true });
    if (response.status === 404 || response.status === 405 || response.status === 501) {
      migrationsAvailable = false;
      $('migrations-unavailable').hidden = false;
      $('migrations-available').hidden = true;
      return;
    }
    if (!response.ok) throw new ApiError(response.status, response.status + ' ' + (await response.text()).trim());
    migrationsAvailable = true;
    const data = await response.json();
    $('migrations-unavailable').hidden = true;
    $('migrations-available').hidden = false;
    await fillTargets();
    const body = $('migrations-table').tBodies[0];
    clear(body);
    for (const m of data.migrations || []) {
      const total = m.bytesTotal || 0;
      const done = m.bytesCopied || 0;
      const progress = el('progress', { max: String(Math.max(1, total)), value: String(Math.min(done, Math.max(1, total))),
        'aria-label': 'bytes copied' });
      const active = !['done', 'completed', 'cancelled', 'canceled', 'failed'].includes(String(m.phase).toLowerCase());
      body.append(el('tr', { 'data-migration': m.account + '/' + m.container },
        td(m.account + '/' + m.container), td(m.source), td(m.target), td(m.phase),
        el('td', null, progress, el('div', { class: 'hint',
          text: bytes(done) + ' of ' + bytes(total) + ', ' + (m.objectsCopied || 0) + ' of ' + (m.objectsTotal || 0) + ' objects' })),
        td(m.bytesPerSecond !== undefined ? bytes(m.bytesPerSecond) + '/s' : '–'),
        td(duration(m.etaSeconds)), td(m.errors, 'num'), td(m.startedBy),
        el('td', null, active ? el('button', { type: 'button', class: 'secondary', text: 'Cancel',
          onclick: () => cancelMigration(m).catch(report) }) : null)));
    }
    if ((data.migrations || []).length === 0) body.append(el('tr', null, el('td', { colspan: '10', text: 'No migrations.' })));
    await loadDrains();
  }

  async function fillTargets() {
    if (backendIds.length === 0) backendIds = (await api('/admin/backends')).backends.map((b) => b.id);
    const select = $('migrate-target');
    const current = select.value;
    clear(select);
    for (const id of backendIds) select.append(el('option', { value: id, text: id }));
    if (backendIds.includes(current)) select.value = current;
  }

  async function startMigration(event) {
    event.preventDefault();
    const a = $('migrate-account').value.trim(), c = $('migrate-container').value.trim();
    const target = $('migrate-target').value;
    await api('/admin/containers/' + enc(a) + '/' + enc(c) + '/migrate', { method: 'POST', json: { target: target } });
    $('migration-message').textContent = 'Migration of ' + a + '/' + c + ' to ' + target + ' started.';
    await loadMigrations();
  }

  async function cancelMigration(m) {
    if (!window.confirm('Cancel the migration of ' + m.account + '/' + m.container + '?')) return;
    await api('/admin/containers/' + enc(m.account) + '/' + enc(m.container) + '/migration', { method: 'DELETE' });
    $('migration-message').textContent = 'Migration of ' + m.account + '/' + m.container + ' cancelled.';
    await loadMigrations();
  }

  // ---------- Drains (shown on the migrations view) ----------
  async function loadDrains() {
    const response = await api('/admin/drains', { raw: true });
    if (response.status === 404 || response.status === 405 || response.status === 501) {
      $('drains-unavailable').hidden = false;
      $('drains-available').hidden = true;
      return;
    }
    if (!response.ok) throw new ApiError(response.status, response.status + ' ' + (await response.text()).trim());
    const data = await response.json();
    $('drains-unavailable').hidden = true;
    $('drains-available').hidden = false;
    const select = $('drain-backend');
    const current = select.value;
    clear(select);
    for (const id of backendIds) select.append(el('option', { value: id, text: id }));
    if (backendIds.includes(current)) select.value = current;
    const body = $('drains-table').tBodies[0];
    clear(body);
    for (const listed of data.drains || []) {
      // the list carries no per-container migrations: read each running drain for its progress
      const d = ['draining', 'paused', 'failed'].includes(listed.state)
        ? await api('/admin/backends/' + enc(listed.backend) + '/drain') : listed;
      body.append(drainRow(d));
    }
    if ((data.drains || []).length === 0) body.append(el('tr', null, el('td', { colspan: '8', text: 'No drains.' })));
  }

  function drainRow(d) {
    const total = d.containersTotal || 0;
    const done = d.containersDone || 0;
    const progress = el('progress', { max: String(Math.max(1, total)),
      value: String(d.state === 'drained' ? Math.max(1, total) : Math.min(done, Math.max(1, total))),
      'aria-label': 'containers moved' });
    const stateKind = d.state === 'drained' ? 'ok' : d.state === 'failed' ? 'bad' : 'warn';
    const failed = el('td', null);
    for (const f of d.failures || []) {
      failed.append(el('div', { class: 'drain-failure' },
        el('span', { text: f.account + '/' + f.container + ': ' + f.error + ' ' }),
        el('button', { type: 'button', class: 'secondary', text: 'Retry',
          'aria-label': 'Retry ' + f.account + '/' + f.container,
          onclick: () => drainAction(d, 'retry', { containers: [f.account + '/' + f.container] }).catch(report) })));
    }
    if ((d.failures || []).length === 0) failed.append(document.createTextNode('none'));
    const actions = el('td', null);
    const button = (text, action, cls) => el('button', { type: 'button', class: cls, text: text,
      onclick: () => drainAction(d, action).catch(report) });
    if (d.state === 'draining') actions.append(button('Pause', 'pause', 'secondary'));
    if (d.state === 'paused') actions.append(button('Resume', 'resume'));
    if (d.state === 'failed' && (d.failures || []).length > 1) actions.append(button('Retry all', 'retry'));
    if (['draining', 'paused', 'failed'].includes(d.state)) actions.append(button('Cancel', 'cancel', 'secondary'));
    return el('tr', { 'data-drain': d.backend },
      td(d.backend), el('td', null, badge(d.state, stateKind)),
      el('td', null, progress, el('div', { class: 'hint',
        text: done + ' of ' + total + ' containers moved' + (d.containersRunning ? ', ' + d.containersRunning + ' moving' : '') +
          '; ' + bytes(d.bytesCopied) + ' copied, ' + bytes(d.bytesLeft) + ' left' })),
      td(d.bytesPerSecond !== undefined ? bytes(d.bytesPerSecond) + '/s' : '–'),
      td(duration(d.etaSeconds)), failed, td(d.startedBy), actions);
  }

  async function startDrain(event) {
    event.preventDefault();
    const backend = $('drain-backend').value;
    const concurrency = $('drain-concurrency').value.trim();
    if (!window.confirm('Drain backend ' + backend + '? It stops taking new containers and all of its containers move to other backends.')) return;
    await api('/admin/backends/' + enc(backend) + '/drain', { method: 'POST',
      json: concurrency === '' ? {} : { concurrency: Number(concurrency) } });
    $('drain-message').textContent = 'Drain of ' + backend + ' started.';
    await loadDrains();
  }

  async function drainAction(d, action, json) {
    const path = '/admin/backends/' + enc(d.backend) + '/drain';
    if (action === 'cancel') {
      if (!window.confirm('Cancel the drain of ' + d.backend + '? Running moves are cancelled and the backend is active again.')) return;
      await api(path, { method: 'DELETE' });
    } else {
      await api(path + '/' + action, { method: 'POST', json: json || {} });
    }
    const done = { cancel: 'cancelled', pause: 'paused', resume: 'resumed', retry: 'retried' }[action];
    $('drain-message').textContent = 'Drain of ' + d.backend + ' ' + done + '.';
    await loadDrains();
  }

  // ---------- wiring ----------
  // each cell of a card table carries its column's header, which the phone layout shows
  function labelCells(table) {
    const headers = Array.from(table.tHead.rows[0].cells).map((th) => th.textContent);
    for (const row of table.tBodies[0].rows) {
      Array.from(row.cells).forEach((cell, i) => cell.setAttribute('data-label', headers[i] || ''));
    }
  }

  // the helpers other console files use (they load after this one)
  window.ArchipelagoConsole = Object.freeze({
    api: api, el: el, svg: svg, td: td, clear: clear, badge: badge, bytes: bytes, duration: duration,
    q: q, enc: enc, status: status, report: report, extend: extend,
  });

  document.addEventListener('DOMContentLoaded', () => {
    for (const table of document.querySelectorAll('table.cards')) {
      new MutationObserver(() => labelCells(table)).observe(table.tBodies[0], { childList: true });
    }
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', () => logout(''));
    $('container-search').addEventListener('submit', (e) => searchContainers(e).catch(report));
    $('history-form').addEventListener('submit', (e) => showHistory(e).catch(report));
    $('audit-filters').addEventListener('submit', (e) => loadAudit(e).catch(report));
    $('audit-follow').addEventListener('click', () => toggleFollow());
    $('audit-export').addEventListener('click', () => exportAudit().catch(report));
    $('migration-start').addEventListener('submit', (e) => startMigration(e).catch(report));
    $('drain-start').addEventListener('submit', (e) => startDrain(e).catch(report));
    $('sync-retry-all').addEventListener('click', () => retrySyncAll().catch(report));
    $('migration-retry-all').addEventListener('click', () => retryCopyAll().catch(report));
    $('lag-threshold').addEventListener('change', () => loadOverview().catch(report));
    window.addEventListener('hashchange', () => { if (token()) { show(currentView()); $('main').focus(); } });
    if (token()) start();
    else { $('login').hidden = false; $('login-user').focus(); }
  });
})();
