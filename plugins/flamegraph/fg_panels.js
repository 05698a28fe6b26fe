/* The tooltip and the sidebar (summary, thread statistics, sampling
 * efficiency, hotspots). */

/* ---- Tooltip ---- */
var tooltip = $('tooltip');

function tooltipRow(table, name, value) {
  var tr = el('tr');
  tr.appendChild(el('td', null, name));
  tr.appendChild(el('td', null, value));
  table.appendChild(tr);
}

function fillTooltip(node) {
  var v = views[state.view], t = viewTree(v), loc = t.loc[node];
  var rootTotal = t.total[0];
  tooltip.textContent = '';
  tooltip.appendChild(el('div', 'tt-func', node === 0 ? v.label : locFunc(loc)));
  var where = node === 0 ? 'all samples of this view' : (locLabel(loc) || locFile(loc));
  tooltip.appendChild(el('div', 'tt-file', where));
  var table = el('table');
  tooltipRow(table, 'Samples', fmtInt(t.total[node]) + '  (' + fmtPct(t.total[node], rootTotal) + ')');
  tooltipRow(table, 'Self samples', fmtInt(t.self[node]) + '  (' + fmtPct(t.self[node], rootTotal) + ')');
  if (state.zoom !== 0 && node !== state.zoom) {
    tooltipRow(table, 'Of zoomed frame', fmtPct(t.total[node], t.total[state.zoom]));
  }
  if (t.parent[node] >= 0) tooltipRow(table, 'Of caller', fmtPct(t.total[node], t.total[t.parent[node]]));
  if (intervalUs) tooltipRow(table, 'Estimated time', fmtDuration(t.total[node] * intervalUs));
  var dv = node !== 0 ? diffOf(t, node) : null;
  if (dv) {
    tooltipRow(table, 'Baseline self', fmtNum(dv.base) + '  (scaled)');
    tooltipRow(table, 'Self change', fmtSigned(dv.diff) + '  (' + fmtSigned(dv.pct) + '%)');
    tooltipRow(table, 'Baseline samples', fmtNum(dv.baseTotal) + '  \u2192  ' + fmtInt(t.total[node]) +
               '  (' + fmtSigned(dv.totalDiff) + ')');
  }
  tooltip.appendChild(table);

  var src = sourceByLoc.get(loc);
  if (src) {
    tooltip.appendChild(el('h3', null, 'Source'));
    var pre = el('pre');
    src.lines.forEach(function (s, i) {
      var n = src.first + i;
      var line = el('span', n === locLine(loc) ? 'cur' : null);
      line.appendChild(el('span', 'ln', n));
      line.appendChild(document.createTextNode(strings[s]));
      pre.appendChild(line);
      if (n !== locLine(loc)) pre.appendChild(document.createTextNode('\n'));
    });
    tooltip.appendChild(pre);
  }

  var ops = t.ops.get(node);
  if (ops && ops.length) {
    var sum = 0;
    ops.forEach(function (o) { sum += o.count; });
    var sorted = ops.slice().sort(function (a, b) { return b.count - a.count; });
    tooltip.appendChild(el('h3', null, 'Bytecode (' + fmtInt(sum) + ' samples)'));
    var ot = el('table', 'tt-ops');
    sorted.slice(0, 10).forEach(function (o) {
      var tr = el('tr'), td = el('td', null, o.name);
      if (o.base && o.base !== o.name) td.appendChild(el('span', 'op-base', '  \u2190 ' + o.base));
      tr.appendChild(td);
      tr.appendChild(el('td', null, fmtInt(o.count) + '  (' + fmtPct(o.count, sum) + ')'));
      ot.appendChild(tr);
    });
    if (sorted.length > 10) tooltipRow(ot, '\u2026 ' + (sorted.length - 10) + ' more', '');
    tooltip.appendChild(ot);
  }
}

function placeTooltip(ev) {
  var pad = 14, w = tooltip.offsetWidth, h = tooltip.offsetHeight;
  var x = ev.clientX + pad, y = ev.clientY + pad;
  if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - w - pad);
  if (y + h > window.innerHeight - 4) y = Math.max(4, ev.clientY - h - pad);
  tooltip.style.left = x + 'px';
  tooltip.style.top = y + 'px';
}

canvas.addEventListener('mousemove', function (ev) {
  var p = eventPos(ev), r = rectAt(p.x, p.y);
  var node = r >= 0 ? layout.node[r] : -1;
  if (node !== state.hover) {
    state.hover = node;
    draw();
    if (node >= 0) fillTooltip(node);
  }
  if (node >= 0) {
    tooltip.hidden = false;
    placeTooltip(ev);
  } else {
    tooltip.hidden = true;
  }
});

canvas.addEventListener('mouseleave', function () {
  state.hover = -1;
  tooltip.hidden = true;
  draw();
});

canvas.addEventListener('click', function (ev) {
  var p = eventPos(ev), r = rectAt(p.x, p.y);
  if (r < 0) return;
  zoomTo(layout.node[r]);
});

/* ---- Sidebar ---- */

function fact(dl, name, value, cls) {
  dl.appendChild(el('dt', null, name));
  dl.appendChild(el('dd', cls, value));
}

function renderSummary() {
  var v = views[state.view], t = viewTree(v), dl = $('summary');
  dl.textContent = '';
  fact(dl, 'Samples', fmtInt(t.total[0]));
  dl.lastChild.id = 'stat-samples';
  if (state.view !== 0) fact(dl, 'Share of all', fmtPct(t.total[0], viewTree(views[0]).total[0]));
  fact(dl, 'Duration', fmtDuration((meta.duration_ns || 0) / 1000));
  fact(dl, 'Interval', intervalUs ? fmtDuration(intervalUs) : 'n/a');
  fact(dl, 'Mode', meta.mode || 'n/a');
  if (meta.python) fact(dl, 'Python', meta.python);
  if (meta.pid) fact(dl, 'PID', meta.pid);
  fact(dl, 'Threads', threads.length);
  fact(dl, 'Locations', fmtInt(locs.length - 1));
  if (meta.opcodes) fact(dl, 'Opcodes', 'recorded');
  fact(dl, 'Hidden below', (meta.min_percent || 0) + '% per tree');
  if (meta.interrupted) fact(dl, 'Stopped', 'interrupted', 'warn');
  else if (meta.target_exited) fact(dl, 'Stopped', 'target exited');
  if (meta.command) {
    dl.appendChild(el('dt', null, 'Command'));
    dl.appendChild(el('dd', 'long', meta.command));
  }
}

function bar(parent, name, part, whole) {
  var row = el('div', 'bar-row');
  var lab = el('div', 'bar-label');
  lab.appendChild(el('span', null, name));
  lab.appendChild(el('span', 'bar-value', whole ? fmtPct(part, whole) : 'n/a'));
  row.appendChild(lab);
  var track = el('div', 'bar-track'), fill = el('div', 'bar-fill');
  fill.style.width = (whole ? Math.min(100, 100 * part / whole) : 0) + '%';
  track.appendChild(fill);
  row.appendChild(track);
  row.dataset.stat = name;
  parent.appendChild(row);
}

function renderThreadStats() {
  var v = views[state.view], s = v.status || {}, box = $('thread-stats');
  $('thread-stats-scope').textContent = state.view === 0 ? '(all threads)' : '(' + v.label + ')';
  box.textContent = '';
  var n = s.samples || 0;
  bar(box, 'GIL held', s.gil_held || 0, n);
  bar(box, 'GIL released', s.gil_released || 0, n);
  bar(box, 'Waiting for GIL', s.gil_wait || 0, n);
  bar(box, 'Garbage collection', s.gc || 0, n);
  bar(box, 'On CPU', s.on_cpu || 0, s.cpu_known || 0);
  if (s.exception) bar(box, 'Handling exception', s.exception, n);
}

function renderEfficiency() {
  var dl = $('efficiency');
  dl.textContent = '';
  if (!stats) { fact(dl, 'Statistics', 'not recorded'); return; }
  var eff = stats.attempts ? stats.successes / stats.attempts : 0;
  fact(dl, 'Efficiency', stats.attempts ? fmtPct(stats.successes, stats.attempts) : 'n/a',
       stats.attempts && eff < 0.9 ? 'warn' : null);
  fact(dl, 'Missed samples', stats.expected ? fmtPct(stats.missed, stats.expected) : 'n/a',
       stats.expected && stats.missed / stats.expected > 0.1 ? 'warn' : null);
  fact(dl, 'Attempts', fmtInt(stats.attempts || 0));
  fact(dl, 'Failed attempts', fmtInt(stats.failures || 0));
  fact(dl, 'Expected', fmtInt(stats.expected || 0));
  fact(dl, 'Samples kept', fmtInt(stats.samples || 0));
  if (stats.filtered) fact(dl, 'Filtered by mode', fmtInt(stats.filtered));
  if (meta.duration_ns && stats.successes) {
    fact(dl, 'Actual rate', fmtInt(stats.successes / (meta.duration_ns / 1e9)) + ' Hz');
  }
}

function renderHotspots() {
  var v = views[state.view], t = viewTree(v), ol = $('hotspots');
  ol.textContent = '';
  var total = t.total[0];
  t.hot.slice(0, 15).forEach(function (h) {
    var l = h[0], li = el('li');
    li.appendChild(el('div', 'hot-name', locFunc(l)));
    var metaRow = el('div', 'hot-meta');
    metaRow.appendChild(el('span', 'hot-loc', !locLabel(l) ? '' : state.modules ? locLabel(l)
                                              : baseName(locFile(l)) + ':' + locLine(l)));
    var pct = el('span', 'hot-pct', fmtPct(h[1], total) + ' self');
    pct.title = fmtInt(h[1]) + ' self samples, ' + fmtInt(h[2]) + ' total (' + fmtPct(h[2], total) + ')';
    metaRow.appendChild(pct);
    li.appendChild(metaRow);
    li.title = locLabel(l);
    li.addEventListener('click', function () {
      searchInput.value = locLabel(l) ? baseName(locFile(l)) + ':' + locLine(l) : locFunc(l);
      state.query = searchInput.value;
      runSearch();
      draw();
    });
    ol.appendChild(li);
  });
  if (!t.hot.length) ol.appendChild(el('li', null, 'No samples'));
}

function fmtNum(x) { return (Math.round(x * 10) / 10).toLocaleString('en-US'); }
function fmtSigned(x) { return (x > 0 ? '+' : x < 0 ? '\u2212' : '') + fmtNum(Math.abs(x)); }

/* Change per function over the all-threads call tree against the scaled
 * baseline, in inclusive samples, so a function made slower grows even when
 * the time is spent in what it calls, while its callers (whose other work
 * shrank in proportion) do not: [{loc, cur, base, diff}], largest growth
 * first, loc being one location of the function. All lines of a function
 * count together, and a function nested in itself (recursion) counts once. */
function funcKey(l) { return locs[l][0] + ':' + locs[l][1]; }

function diffByLoc() {
  viewTree(views[0]);
  var t = views[0].tree;
  var by = new Map();
  for (var i = 1; i < t.n; i++) {
    var k = funcKey(t.loc[i]), nested = false;
    for (var p = t.parent[i]; p > 0 && !nested; p = t.parent[p]) nested = funcKey(t.loc[p]) === k;
    if (nested) continue;
    var e = by.get(k);
    if (!e) { e = { loc: t.loc[i], cur: 0, base: 0, diff: 0 }; by.set(k, e); }
    e.cur += t.total[i];
    e.base += t.baseTotal ? t.baseTotal[i] : 0;
  }
  var list = Array.from(by.values());
  list.forEach(function (e) { e.diff = e.cur - e.base; });
  list.sort(function (a, b) { return b.diff - a.diff || a.loc - b.loc; });
  return list;
}

function diffItem(ol, e) {
  var li = el('li');
  li.appendChild(el('div', 'hot-name', locFunc(e.loc)));
  var row = el('div', 'hot-meta');
  row.appendChild(el('span', 'hot-loc', locKind(e.loc) !== KIND_PYTHON ? ''
                                        : state.modules ? locModule(e.loc) : baseName(locFile(e.loc))));
  var pct = el('span', 'hot-pct ' + (e.diff > 0 ? 'diff-up' : 'diff-down'), fmtSigned(e.diff) + ' samples');
  pct.title = 'inclusive: ' + fmtNum(e.base) + ' (scaled baseline) \u2192 ' + fmtInt(e.cur);
  row.appendChild(pct);
  li.appendChild(row);
  li.dataset.func = locFunc(e.loc);
  li.dataset.diff = String(e.diff);
  ol.appendChild(li);
}

function renderDiff() {
  var box = $('diff-section');
  if (!diff) return;
  box.hidden = false;
  var dl = $('diff-summary');
  dl.textContent = '';
  fact(dl, 'Baseline', diff.baseline || '');
  fact(dl, 'Baseline samples', fmtInt(diff.baseline_samples));
  fact(dl, 'Current samples', fmtInt(diff.current_samples));
  fact(dl, 'Baseline scale', '\u00d7' + (Math.round(diff.baseline_scale * 1000) / 1000));
  fact(dl, 'Baseline-only paths', fmtInt(diff.elided_count));
  dl.lastChild.id = 'diff-elided-count';
  var list = diffByLoc();
  var up = $('diff-regressions'), down = $('diff-improvements'), gone = $('diff-elided');
  up.textContent = ''; down.textContent = ''; gone.textContent = '';
  list.filter(function (e) { return e.diff >= 0.5; }).slice(0, 10).forEach(function (e) { diffItem(up, e); });
  list.filter(function (e) { return e.diff <= -0.5; }).reverse().slice(0, 10).forEach(function (e) { diffItem(down, e); });
  if (!up.firstChild) up.appendChild(el('li', null, 'None'));
  if (!down.firstChild) down.appendChild(el('li', null, 'None'));
  (diff.elided || []).slice(0, 10).forEach(function (p) {
    var li = el('li'), names = [];
    for (var i = 1; i + 2 < p.length; i += 3) names.push(strings[p[i + 1]]);
    li.appendChild(el('div', 'hot-name', names.length ? names[names.length - 1] : '?'));
    var row = el('div', 'hot-meta');
    row.appendChild(el('span', 'hot-loc', names.slice(-4).join(' \u203a ')));
    row.appendChild(el('span', 'hot-pct diff-down', '\u2212' + fmtNum(p[0]) + ' samples'));
    li.appendChild(row);
    li.title = names.join(' \u203a ');
    gone.appendChild(li);
  });
  if (!gone.firstChild) gone.appendChild(el('li', null, 'None'));
}

function renderSidebar() {
  renderDiff();
  renderSummary();
  renderThreadStats();
  renderEfficiency();
  renderHotspots();
}
