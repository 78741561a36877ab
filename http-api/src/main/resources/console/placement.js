// Archipelago console: placement dry-run (Failures view), the capacity rebalance plan as a
// picture with accept/reject (Migrations view) and the sync lag chart (Overview). Uses the
// helpers console.js exports; everything is written with textContent / SVG attributes only.
'use strict';

(function () {
  const C = window.ArchipelagoConsole;
  const $ = (id) => document.getElementById(id);
  let planId = null;

  // ---------- placement dry-run ----------
  async function dryRun(event) {
    if (event) event.preventDefault();
    const policy = $('dry-run-policy').value.trim();
    const account = $('dry-run-account').value.trim();
    const body = $('dry-run-table').tBodies[0];
    C.clear(body);
    let r;
    try {
      r = await C.api('/admin/placement' + C.q({ policy: policy, account: account }));
    } catch (e) {
      $('dry-run').textContent = e.status === 400 ? 'Refused: ' + message(e) : 'Error: ' + e.message;
      return;
    }
    for (const c of r.candidates) {
      const verdict = c.eligible ? C.badge('eligible', 'ok') : C.badge('no', 'bad');
      const replica = c.asReplica
        ? C.el('div', { class: 'hint', text: 'as replica: ' + (c.asReplica.eligible ? 'eligible' : c.asReplica.reasonText) })
        : null;
      body.append(C.el('tr', { 'data-backend': c.id, 'data-eligible': String(c.eligible), 'data-reason': c.reason || '' },
        C.td(c.id), C.td((c.tiers || []).join(', ')), C.td(c.site), C.td(c.state), C.td(c.breaker),
        C.td(C.bytes(c.usedBytes) + ' / ' + C.bytes(c.freeBytes)),
        C.el('td', null, verdict, c.eligible ? null : ' ' + c.reasonText, replica),
        C.el('td', null, c.chosen ? C.badge(c.chosen, 'ok') : '')));
    }
    $('dry-run').textContent = r.chosen
      ? 'A new container of policy ' + r.policy.name + ' would go to ' + r.chosen.primary +
        (r.chosen.replicas.length ? ', replicas on ' + r.chosen.replicas.join(', ') : '') + '.'
      : r.reason;
  }

  // the "error" of a JSON error answer ("400 {...}")
  function message(e) {
    const text = String(e.message || '');
    const brace = text.indexOf('{');
    if (brace >= 0) {
      try { return JSON.parse(text.substring(brace)).error || text; } catch (x) { return text; }
    }
    return text;
  }

  // ---------- rebalance plan ----------
  async function loadPlan() {
    const plan = await C.api('/admin/rebalance/plan');
    planId = plan.id;
    const open = plan.status === 'open';
    $('rebalance-accept').disabled = !open;
    $('rebalance-reject').disabled = !open;
    $('rebalance-summary').textContent = plan.status === 'off'
      ? 'Rebalance is off on this gateway (archipelago.placement.rebalance.enabled).'
      : 'Plan ' + plan.id + ' (' + plan.status + '): ' + plan.moves.length + ' move(s), ' + C.bytes(plan.bytesToMove) +
        '; high-water ' + Math.round(plan.highWater * 100) + '%, low-water ' + Math.round(plan.lowWater * 100) + '%' +
        (plan.autoAccept ? '; accepted automatically' : '') + '.';
    $('rebalance-summary').setAttribute('data-plan', plan.id);
    $('rebalance-summary').setAttribute('data-status', plan.status);
    drawPlan(plan);
    const body = $('rebalance-moves').tBodies[0];
    C.clear(body);
    for (const m of plan.moves) {
      body.append(C.el('tr', { 'data-move': m.account + '/' + m.container },
        C.td(m.account + '/' + m.container), C.td(C.bytes(m.bytes), 'num'), C.td(m.from), C.td(m.to), C.td(m.reason)));
    }
    if (plan.moves.length === 0) body.append(C.el('tr', null, C.el('td', { colspan: '5', text: 'Nothing to move.' })));
    const notes = $('rebalance-notes');
    C.clear(notes);
    for (const n of plan.notes) notes.append(C.el('li', { text: n }));
  }

  // backends as bars (fill before, and after as a lighter overlay), high/low-water marks, and an
  // arrow per move from the source's bar to the target's with the bytes
  function drawPlan(plan) {
    const rowH = 34, labelW = 130, barW = 300, arrowW = 120;
    const W = labelW + barW + arrowW, H = Math.max(1, plan.backends.length) * rowH + 8;
    const s = C.svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Rebalance plan: backends before and after' });
    const y = {};
    plan.backends.forEach((b, i) => {
      const top = i * rowH + 4;
      y[b.id] = top + 10;
      const frac = (v) => (b.totalBytes > 0 ? Math.min(1, v / b.totalBytes) : 0);
      const g = C.svg('g', { 'data-backend': b.id, 'data-before': String(b.usedBefore), 'data-after': String(b.usedAfter) });
      g.append(C.svg('text', { x: 0, y: top + 14 }, b.id));
      g.append(C.svg('rect', { class: 'free', x: labelW, y: top, width: barW, height: 20 }));
      g.append(C.svg('rect', { class: 'used', x: labelW, y: top, width: (frac(b.usedBefore) * barW).toFixed(1), height: 10 }));
      g.append(C.svg('rect', { class: 'after', x: labelW, y: top + 10, width: (frac(b.usedAfter) * barW).toFixed(1), height: 10 }));
      if (b.totalBytes > 0) {
        const hx = labelW + frac(b.highWaterBytes) * barW, lx = labelW + frac(b.lowWaterBytes) * barW;
        g.append(C.svg('line', { class: 'mark-high', x1: hx.toFixed(1), y1: top - 2, x2: hx.toFixed(1), y2: top + 22 }));
        g.append(C.svg('line', { class: 'mark-low', x1: lx.toFixed(1), y1: top - 2, x2: lx.toFixed(1), y2: top + 22 }));
      }
      const pct = (v) => (b.totalBytes > 0 ? Math.round((v / b.totalBytes) * 100) + '%' : 'n/a');
      g.append(C.svg('text', { x: labelW + 4, y: top + 30 }, pct(b.usedBefore) + ' → ' + pct(b.usedAfter) + (b.overHighWater ? ' (over high-water)' : '')));
      g.append(C.svg('title', {}, b.id + ': ' + C.bytes(b.usedBefore) + ' before, ' + C.bytes(b.usedAfter) + ' after, of ' + C.bytes(b.totalBytes)));
      s.append(g);
    });
    plan.moves.forEach((m, i) => {
      if (y[m.from] === undefined || y[m.to] === undefined) return;
      const x = labelW + barW + 12 + (i % 6) * 14;
      const path = 'M ' + (labelW + barW) + ' ' + y[m.from] + ' C ' + x + ' ' + y[m.from] + ', ' + x + ' ' + y[m.to] + ', ' + (labelW + barW + 2) + ' ' + y[m.to];
      const g = C.svg('g', { 'data-move': m.account + '/' + m.container });
      g.append(C.svg('path', { class: 'move', d: path }));
      g.append(C.svg('polygon', { class: 'after', points: (labelW + barW + 2) + ',' + y[m.to] + ' ' + (labelW + barW + 9) + ',' + (y[m.to] - 4) + ' ' + (labelW + barW + 9) + ',' + (y[m.to] + 4) }));
      g.append(C.svg('text', { x: x + 4, y: (y[m.from] + y[m.to]) / 2 }, m.container + ' ' + C.bytes(m.bytes)));
      g.append(C.svg('title', {}, m.account + '/' + m.container + ': ' + m.from + ' → ' + m.to + ', ' + C.bytes(m.bytes)));
      s.append(g);
    });
    const box = $('rebalance-chart');
    C.clear(box);
    box.append(s);
  }

  async function decide(verb) {
    if (!planId) return;
    const id = planId;
    if (verb === 'accept' && !window.confirm('Start the moves of plan ' + id + ' (live migrations)?')) return;
    try {
      const r = await C.api('/admin/rebalance/plan/' + C.enc(id) + '/' + verb, { method: 'POST', json: {} });
      $('rebalance-message').textContent = verb === 'accept'
        ? 'Plan ' + id + ' accepted: ' + r.migrations.filter((m) => m.started).length + ' of ' + r.migrations.length + ' migration(s) started.'
        : 'Plan ' + id + ' rejected.';
    } catch (e) {
      $('rebalance-message').textContent = 'Plan ' + id + ' not ' + verb + 'ed: ' + message(e);
    }
    await loadPlan();
  }

  // ---------- sync lag over time ----------
  async function loadSyncLag() {
    const h = await C.api('/admin/sync/history');
    const samples = h.samples || [];
    const W = 440, H = 160, left = 36, bottom = 18;
    const s = C.svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Sync lag over time', 'data-samples': String(samples.length) });
    let maxLag = 1, maxPending = 1;
    for (const p of samples) { maxLag = Math.max(maxLag, p.maxLagSeconds); maxPending = Math.max(maxPending, p.pendingChanges); }
    s.append(C.svg('line', { class: 'axis', x1: left, y1: H - bottom, x2: W, y2: H - bottom }));
    s.append(C.svg('line', { class: 'axis', x1: left, y1: 4, x2: left, y2: H - bottom }));
    s.append(C.svg('text', { x: 2, y: 12 }, maxLag.toFixed(1) + 's'));
    s.append(C.svg('text', { x: 2, y: H - bottom }, '0'));
    const span = samples.length > 1 ? (Date.parse(samples[samples.length - 1].at) - Date.parse(samples[0].at)) / 1000 : 0;
    s.append(C.svg('text', { x: left, y: H - 4 }, samples.length + ' samples, last ' + C.duration(span)));
    const step = (W - left) / Math.max(1, samples.length - 1);
    const line = (value, max) => samples.map((p, i) =>
      (left + i * step).toFixed(1) + ',' + (H - bottom - (value(p) / max) * (H - bottom - 8)).toFixed(1)).join(' ');
    if (samples.length > 0) {
      s.append(C.svg('polyline', { class: 'lag', points: line((p) => p.maxLagSeconds, maxLag) }));
      s.append(C.svg('polyline', { class: 'pending', points: line((p) => p.pendingChanges, maxPending) }));
    }
    const last = samples.length ? samples[samples.length - 1] : null;
    s.append(C.svg('rect', { class: 'klag', x: W - 230, y: H - 12, width: 8, height: 8 }));
    s.append(C.svg('text', { x: W - 219, y: H - 4 }, 'lag ' + (last ? last.maxLagSeconds.toFixed(1) + 's' : '–')));
    s.append(C.svg('rect', { class: 'kpending', x: W - 130, y: H - 12, width: 8, height: 8 }));
    s.append(C.svg('text', { x: W - 119, y: H - 4 }, 'pending ' + (last ? last.pendingChanges : '–') + ' (max ' + maxPending + ')'));
    const box = $('sync-lag-chart');
    C.clear(box);
    box.append(s);
  }

  // a deferred script runs after the page is parsed and before console.js shows the first view
  $('dry-run-form').addEventListener('submit', (e) => dryRun(e).catch(C.report));
  $('rebalance-accept').addEventListener('click', () => decide('accept').catch(C.report));
  $('rebalance-reject').addEventListener('click', () => decide('reject').catch(C.report));
  C.extend('migrations', loadPlan);
  C.extend('overview', loadSyncLag);
})();
