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
    metaRow.appendChild(el('span', 'hot-loc', locLabel(l) ? baseName(locFile(l)) + ':' + locLine(l) : ''));
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

function renderSidebar() {
  renderSummary();
  renderThreadStats();
  renderEfficiency();
  renderHotspots();
}
