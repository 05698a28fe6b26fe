/* Tachyon flame graph viewer.
 *
 * The page carries its data in <script id="profile-data"> as JSON written by
 * the flamegraph plugin (fg_report.c):
 *   strings  every text, referred to by index
 *   locs     [file, function, line, kind] per code location (string indices);
 *            locs[0] is the root of every tree
 *   all      {status, tree}: every thread merged
 *   threads  [{id, native, main, status, tree?}]; tree is absent when there
 *            is a single thread, whose tree is then all.tree
 *   tree     {nodes, ops, hot}: nodes is the pruned call tree in preorder,
 *            four numbers per node (loc, total, self, child count); ops is
 *            (node index, opcode name, base name, count) quadruples; hot is
 *            [loc, self, total] for the top functions of the unpruned tree
 *   src      [loc, first line, line strings...] source context
 *   meta, stats  session facts and sampling statistics
 * Drawing uses one canvas; only rectangles wider than half a pixel are laid
 * out, so the cost follows what is visible rather than the profile size.
 * Every text from the profile reaches the DOM through textContent, never as
 * markup: function and file names come from the profiled program. */
(function () {
  'use strict';

  var ROW_HEIGHT = 18;
  var MIN_WIDTH = 0.5;         /* CSS pixels: narrower rectangles are skipped */
  var LABEL_MIN_WIDTH = 22;
  var FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  var THEME_KEY = 'tachyon.flamegraph.theme';
  var KIND_ROOT = 0, KIND_PYTHON = 1, KIND_GC = 2, KIND_NATIVE = 3, KIND_TASK = 4;

  var data = JSON.parse(document.getElementById('profile-data').textContent);
  var strings = data.strings;
  var locs = data.locs;
  var meta = data.meta || {};
  var stats = data.stats || null;
  var intervalUs = meta.interval_us || 0;

  /* ---- Source context, indexed by location ---- */
  var sourceByLoc = new Map();
  (data.src || []).forEach(function (e) {
    sourceByLoc.set(e[0], { first: e[1], lines: e.slice(2) });
  });

  function locFile(l) { return strings[locs[l][0]]; }
  function locFunc(l) { return strings[locs[l][1]]; }
  function locLine(l) { return locs[l][2]; }
  function locKind(l) { return locs[l][3]; }

  /* ---- Tree decoding ---- */

  function decodeTree(raw) {
    var flat = raw.nodes;
    var n = flat.length / 4;
    var t = {
      n: n,
      loc: new Int32Array(n),
      total: new Float64Array(n),
      self: new Float64Array(n),
      parent: new Int32Array(n),
      depth: new Int32Array(n),
      size: new Int32Array(n),
      firstChild: new Int32Array(n).fill(-1),
      nextSibling: new Int32Array(n).fill(-1),
      maxDepth: 0,
      ops: new Map(),
      hot: raw.hot || []
    };
    var stack = [], remaining = [], lastChild = new Int32Array(n).fill(-1);
    for (var i = 0; i < n; i++) {
      t.loc[i] = flat[4 * i];
      t.total[i] = flat[4 * i + 1];
      t.self[i] = flat[4 * i + 2];
      var kids = flat[4 * i + 3];
      var p = stack.length ? stack[stack.length - 1] : -1;
      t.parent[i] = p;
      if (p >= 0) {
        t.depth[i] = t.depth[p] + 1;
        if (lastChild[p] < 0) t.firstChild[p] = i; else t.nextSibling[lastChild[p]] = i;
        lastChild[p] = i;
        if (--remaining[remaining.length - 1] === 0) { stack.pop(); remaining.pop(); }
      }
      if (t.depth[i] > t.maxDepth) t.maxDepth = t.depth[i];
      if (kids > 0) { stack.push(i); remaining.push(kids); }
    }
    for (i = n - 1; i >= 0; i--) {
      t.size[i] += 1;
      if (t.parent[i] >= 0) t.size[t.parent[i]] += t.size[i];
    }
    var ops = raw.ops || [];
    for (i = 0; i + 3 < ops.length; i += 4) {
      var list = t.ops.get(ops[i]);
      if (!list) { list = []; t.ops.set(ops[i], list); }
      list.push({ name: strings[ops[i + 1]], base: strings[ops[i + 2]], count: ops[i + 3] });
    }
    return t;
  }

  /* Views: index 0 is all threads, then one per thread. Trees are decoded
   * the first time a view is shown. */
  var views = [{ label: 'All threads', status: data.all.status, raw: data.all.tree, tree: null, thread: null }];
  var threads = data.threads || [];
  threads.forEach(function (th) {
    views.push({
      label: 'Thread ' + th.id + (th.native ? ' (tid ' + th.native + ')' : '') + (th.main ? ' [main]' : ''),
      status: th.status,
      raw: th.tree || data.all.tree,
      tree: null,
      thread: th
    });
  });

  function viewTree(v) {
    if (!v.tree) v.tree = decodeTree(v.raw);
    return v.tree;
  }

  /* ---- State ---- */
  var state = {
    view: 0,
    zoom: 0,
    inverted: false,
    query: '',
    matches: null,     /* Uint8Array over the current tree, or null */
    matchShare: 0,
    matchCount: 0,
    hover: -1
  };

  /* ---- Small helpers ---- */
  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmtInt(n) { return Math.round(n).toLocaleString('en-US'); }

  function fmtPct(part, whole) {
    if (!whole) return 'n/a';
    var p = 100 * part / whole;
    if (p === 0) return '0%';
    if (p < 0.1) return '<0.1%';
    return (p >= 99.95 ? p.toFixed(0) : p.toFixed(1)) + '%';
  }

  function fmtDuration(us) {
    if (!isFinite(us) || us <= 0) return '0 ms';
    if (us < 1000) return us.toFixed(0) + ' \u00b5s';
    if (us < 1e6) return (us / 1000).toFixed(us < 1e4 ? 2 : 1) + ' ms';
    if (us < 60e6) return (us / 1e6).toFixed(2) + ' s';
    var m = Math.floor(us / 60e6);
    return m + ' min ' + ((us - m * 60e6) / 1e6).toFixed(0) + ' s';
  }

  function baseName(path) {
    var i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return i >= 0 ? path.slice(i + 1) : path;
  }

  function locLabel(l) {
    var line = locLine(l), file = locFile(l);
    if (locKind(l) !== KIND_PYTHON || !file || file === '~') return '';
    return line > 0 ? file + ':' + line : file;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /* ---- Colours ---- */
  var palette = null;

  function readPalette() {
    palette = {
      bg: cssVar('--panel'),
      text: cssVar('--frame-text'),
      muted: cssVar('--muted'),
      match: cssVar('--match'),
      matchText: cssVar('--match-text'),
      ancestor: cssVar('--ancestor'),
      root: cssVar('--root'),
      native: cssVar('--native'),
      gc: cssVar('--gc'),
      task: cssVar('--task'),
      unknown: cssVar('--unknown'),
      hover: cssVar('--hover'),
      dim: parseFloat(cssVar('--frame-dim')) || 0.3,
      l: parseFloat(cssVar('--flame-l')) || 60,
      s: parseFloat(cssVar('--flame-s')) || 85,
      byLoc: new Map()
    };
  }

  /* A stable warm colour per function, so the same function keeps its
   * colour across zooms, threads and reports. */
  function hashString(s) {
    var h = 2166136261;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return h >>> 0;
  }

  function locColor(l) {
    var c = palette.byLoc.get(l);
    if (c) return c;
    var kind = locKind(l);
    if (kind === KIND_ROOT) c = palette.root;
    else if (kind === KIND_GC) c = palette.gc;
    else if (kind === KIND_NATIVE) c = palette.native;
    else if (kind === KIND_TASK) c = palette.task;
    else if (kind !== KIND_PYTHON) c = palette.unknown;
    else {
      var h = hashString(locFunc(l) + '\u0000' + locFile(l));
      var hue = 8 + (h % 44);
      var light = palette.l + ((h >>> 8) % 12) - 6;
      c = 'hsl(' + hue + ',' + palette.s + '%,' + light + '%)';
    }
    palette.byLoc.set(l, c);
    return c;
  }

  /* ---- Layout ---- */
  var canvas = $('flame');
  var ctx = canvas.getContext('2d');
  var wrap = $('canvas-wrap');
  var layout = null;   /* {node, x, w, row, rows, byRow, width, height, ancestors} */
  var charWidth = 6.6;

  function ancestorsOf(t, node) {
    var path = [];
    for (var p = t.parent[node]; p >= 0; p = t.parent[p]) path.push(p);
    return path.reverse();
  }

  function computeLayout() {
    var t = viewTree(views[state.view]);
    var width = Math.max(200, wrap.clientWidth - 2);
    var L = { node: [], x: [], w: [], row: [], byRow: [], width: width, rows: 0, ancestors: 0 };
    var anc = ancestorsOf(t, state.zoom);
    L.ancestors = anc.length;
    function add(node, x, w, row) {
      var i = L.node.length;
      L.node.push(node); L.x.push(x); L.w.push(w); L.row.push(row);
      if (!L.byRow[row]) L.byRow[row] = [];
      L.byRow[row].push(i);
      if (row + 1 > L.rows) L.rows = row + 1;
    }
    anc.forEach(function (a, r) { add(a, 0, width, r); });
    var zoomTotal = t.total[state.zoom];
    var scale = zoomTotal > 0 ? width / zoomTotal : 0;
    /* Preorder with children left to right, so every row's rectangles are
     * appended in increasing x order and hit testing can bisect them. */
    var stack = [state.zoom, 0, anc.length];
    while (stack.length) {
      var row = stack.pop(), x = stack.pop(), node = stack.pop();
      add(node, x, node === state.zoom ? width : t.total[node] * scale, row);
      var kids = [];
      var cx = x;
      for (var c = t.firstChild[node]; c >= 0; c = t.nextSibling[c]) {
        var cw = t.total[c] * scale;
        if (cw >= MIN_WIDTH) kids.push(c, cx, row + 1);
        cx += cw;
      }
      for (var k = kids.length - 3; k >= 0; k -= 3) stack.push(kids[k], kids[k + 1], kids[k + 2]);
    }
    L.height = Math.max(1, L.rows) * ROW_HEIGHT;
    layout = L;
  }

  function rowY(row) {
    return state.inverted ? row * ROW_HEIGHT : layout.height - (row + 1) * ROW_HEIGHT;
  }

  /* ---- Drawing ---- */

  function label(name, w) {
    var max = Math.floor((w - 6) / charWidth);
    if (max < 2) return '';
    return name.length <= max ? name : name.slice(0, max - 1) + '\u2026';
  }

  function draw() {
    var t = viewTree(views[state.view]);
    var dpr = window.devicePixelRatio || 1;
    var cw = Math.round(layout.width * dpr), ch = Math.round(layout.height * dpr);
    if (canvas.width !== cw || canvas.height !== ch) {
      canvas.width = cw;
      canvas.height = ch;
      canvas.style.height = layout.height + 'px';
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = palette.bg;
    ctx.fillRect(0, 0, layout.width, layout.height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    var m = state.matches;
    for (var i = 0; i < layout.node.length; i++) {
      var node = layout.node[i], x = layout.x[i], w = layout.w[i], y = rowY(layout.row[i]);
      var loc = t.loc[node];
      var isAncestor = layout.row[i] < layout.ancestors;
      var matched = m && m[node];
      ctx.globalAlpha = (m && !matched) || isAncestor ? palette.dim + (isAncestor ? 0.35 : 0) : 1;
      ctx.fillStyle = matched ? palette.match : isAncestor ? palette.ancestor : locColor(loc);
      ctx.fillRect(x, y, w > 1.5 ? w - 0.5 : w, ROW_HEIGHT - 1);
      if (w >= LABEL_MIN_WIDTH) {
        var text = label(node === 0 ? views[state.view].label : locFunc(loc), w);
        if (text) {
          ctx.fillStyle = matched ? palette.matchText : palette.text;
          ctx.fillText(text, x + 3, y + ROW_HEIGHT / 2);
        }
      }
    }
    ctx.globalAlpha = 1;
    if (state.hover >= 0) {
      var hi = findRect(state.hover);
      if (hi >= 0) {
        ctx.strokeStyle = palette.hover;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(layout.x[hi] + 0.75, rowY(layout.row[hi]) + 0.75,
                       Math.max(1, layout.w[hi] - 2), ROW_HEIGHT - 2.5);
      }
    }
  }

  function findRect(node) {
    for (var i = 0; i < layout.node.length; i++) if (layout.node[i] === node) return i;
    return -1;
  }

  function render() {
    computeLayout();
    draw();
    renderBreadcrumbs();
  }

  var pending = false;
  function scheduleRender() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(); });
  }

  /* ---- Hit testing ---- */

  function rectAt(px, py) {
    if (!layout) return -1;
    var row = state.inverted ? Math.floor(py / ROW_HEIGHT)
                             : Math.floor((layout.height - py) / ROW_HEIGHT);
    var list = layout.byRow[row];
    if (!list) return -1;
    var lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, r = list[mid];
      if (px < layout.x[r]) hi = mid - 1;
      else if (px >= layout.x[r] + layout.w[r]) lo = mid + 1;
      else return r;
    }
    return -1;
  }

  function eventPos(ev) {
    var b = canvas.getBoundingClientRect();
    return { x: ev.clientX - b.left, y: ev.clientY - b.top };
  }

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

  /* ---- Zoom ---- */

  function zoomTo(node) {
    state.zoom = node;
    state.hover = -1;
    tooltip.hidden = true;
    render();
  }

  function renderBreadcrumbs() {
    var bc = $('breadcrumbs'), t = viewTree(views[state.view]);
    bc.textContent = '';
    var path = ancestorsOf(t, state.zoom).concat([state.zoom]);
    path.forEach(function (node, i) {
      if (i) bc.appendChild(el('span', 'sep', '\u203a'));
      var b = el('button', null, node === 0 ? views[state.view].label : locFunc(t.loc[node]));
      b.type = 'button';
      b.title = node === 0 ? 'Show everything' : locLabel(t.loc[node]);
      b.addEventListener('click', function () { zoomTo(node); });
      bc.appendChild(b);
    });
    $('btn-reset').disabled = state.zoom === 0;
  }

  $('btn-reset').addEventListener('click', function () { zoomTo(0); });

  /* ---- Search ---- */

  /* "file.py:42" selects a location by file suffix and line; anything else
   * is a case-insensitive substring of the function name (or of the file
   * name when it looks like one). */
  function makeMatcher(q) {
    var m = /^(.*\S)\s*:\s*(\d+)$/.exec(q);
    if (m) {
      var file = m[1].toLowerCase(), line = parseInt(m[2], 10);
      return function (l) {
        return locLine(l) === line && locFile(l).toLowerCase().endsWith(file);
      };
    }
    var needle = q.toLowerCase();
    var fileToo = /[\/\\]|\.py\w?$/.test(needle);
    return function (l) {
      return locFunc(l).toLowerCase().indexOf(needle) >= 0 ||
        (fileToo && locFile(l).toLowerCase().indexOf(needle) >= 0);
    };
  }

  function runSearch() {
    var t = viewTree(views[state.view]);
    var q = state.query.trim();
    if (!q) {
      state.matches = null;
      state.matchShare = 0;
      state.matchCount = 0;
    } else {
      var test = makeMatcher(q);
      var byLoc = new Map();
      var m = new Uint8Array(t.n);
      var share = 0, count = 0, coveredUntil = 0;
      for (var i = 1; i < t.n; i++) {
        var l = t.loc[i], hit = byLoc.get(l);
        if (hit === undefined) { hit = test(l); byLoc.set(l, hit); }
        if (!hit) continue;
        m[i] = 1;
        count++;
        /* A match nested in another match is already counted by it. */
        if (i >= coveredUntil) {
          share += t.total[i];
          coveredUntil = i + t.size[i];
        }
      }
      state.matches = m;
      state.matchShare = t.total[0] ? share / t.total[0] : 0;
      state.matchCount = count;
    }
    var out = $('search-result');
    if (!q) out.textContent = '';
    else if (!state.matchCount) out.textContent = 'No match';
    else {
      out.textContent = fmtPct(state.matchShare, 1) + ' of samples (' + state.matchCount +
        (state.matchCount === 1 ? ' frame)' : ' frames)');
    }
    out.dataset.share = String(state.matchShare);
  }

  var searchInput = $('search'), searchTimer = 0;
  searchInput.addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      state.query = searchInput.value;
      runSearch();
      draw();
    }, 120);
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

  /* ---- Thread filter ---- */
  var threadSelect = $('thread-filter');

  function fillThreadSelect() {
    var allTotal = data.all.status ? data.all.status.samples : 0;
    views.forEach(function (v, i) {
      var n = v.status ? v.status.samples : 0;
      var text = i === 0 ? v.label + ' (' + fmtInt(n) + ' samples)'
                         : v.label + ' \u2014 ' + fmtPct(n, allTotal);
      var o = el('option', null, text);
      o.value = String(i);
      threadSelect.appendChild(o);
    });
    /* One thread: the filter has nothing to choose from. */
    threadSelect.disabled = views.length <= 2;
  }

  threadSelect.addEventListener('change', function () { selectView(parseInt(threadSelect.value, 10)); });

  function selectView(i) {
    state.view = i;
    state.zoom = 0;
    state.hover = -1;
    threadSelect.value = String(i);
    runSearch();
    renderSidebar();
    render();
  }

  /* ---- Inverted (icicle) ---- */
  var invertBtn = $('btn-invert');
  invertBtn.addEventListener('click', function () {
    state.inverted = !state.inverted;
    invertBtn.setAttribute('aria-pressed', String(state.inverted));
    draw();
  });

  /* ---- Theme ---- */
  var themeBtn = $('btn-theme');

  function storedTheme() {
    try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }

  function applyTheme(theme, save) {
    document.documentElement.setAttribute('data-theme', theme);
    themeBtn.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
    if (save) {
      try { window.localStorage.setItem(THEME_KEY, theme); } catch (e) { /* private mode */ }
    }
    readPalette();
  }

  themeBtn.addEventListener('click', function () {
    var next = document.documentElement.getAttribute('data-theme') === 'dark' ? 'light' : 'dark';
    applyTheme(next, true);
    draw();
  });

  /* ---- SVG export ---- */

  function xmlEscape(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function buildSVG() {
    var t = viewTree(views[state.view]), W = layout.width, H = layout.height;
    var rootTotal = t.total[0], m = state.matches;
    var out = [];
    out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H +
             '" viewBox="0 0 ' + W + ' ' + H + '" font-family="monospace" font-size="11">');
    out.push('<rect width="100%" height="100%" fill="' + xmlEscape(palette.bg) + '"/>');
    for (var i = 0; i < layout.node.length; i++) {
      var node = layout.node[i], loc = t.loc[node], x = layout.x[i], w = layout.w[i];
      var y = rowY(layout.row[i]);
      var name = node === 0 ? views[state.view].label : locFunc(loc);
      var isAncestor = layout.row[i] < layout.ancestors, matched = m && m[node];
      var fill = matched ? palette.match : isAncestor ? palette.ancestor : locColor(loc);
      var opacity = (m && !matched) || isAncestor ? ' fill-opacity="' + (palette.dim + (isAncestor ? 0.35 : 0)) + '"' : '';
      out.push('<g class="frame" data-samples="' + t.total[node] + '"><title>' +
               xmlEscape(name + (locLabel(loc) ? ' (' + locLabel(loc) + ')' : '') + ': ' +
                         fmtInt(t.total[node]) + ' samples, ' + fmtPct(t.total[node], rootTotal)) +
               '</title><rect x="' + x.toFixed(2) + '" y="' + y + '" width="' +
               Math.max(0.1, w > 1.5 ? w - 0.5 : w).toFixed(2) + '" height="' + (ROW_HEIGHT - 1) +
               '" fill="' + xmlEscape(fill) + '"' + opacity + '/>');
      var text = w >= LABEL_MIN_WIDTH ? label(name, w) : '';
      if (text) {
        out.push('<text x="' + (x + 3).toFixed(2) + '" y="' + (y + ROW_HEIGHT / 2 + 4) + '" fill="' +
                 xmlEscape(matched ? palette.matchText : palette.text) + '">' + xmlEscape(text) + '</text>');
      }
      out.push('</g>');
    }
    out.push('</svg>');
    return out.join('\n');
  }

  $('btn-export').addEventListener('click', function () {
    var blob = new Blob([buildSVG()], { type: 'image/svg+xml' });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = 'flamegraph' + (meta.pid ? '_' + meta.pid : '') + '.svg';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  /* ---- Keyboard ---- */
  document.addEventListener('keydown', function (ev) {
    if (ev.key === '/' && document.activeElement !== searchInput) {
      ev.preventDefault();
      searchInput.focus();
    } else if (ev.key === 'Escape') {
      if (document.activeElement === searchInput && searchInput.value) {
        searchInput.value = '';
        state.query = '';
        runSearch();
        draw();
      } else if (state.zoom !== 0) {
        zoomTo(t0Parent());
      }
    }
  });

  /* Escape steps out one level, so repeated presses walk back to the root. */
  function t0Parent() {
    var t = viewTree(views[state.view]), p = t.parent[state.zoom];
    return p >= 0 ? p : 0;
  }

  window.addEventListener('resize', scheduleRender);

  /* ---- Start ---- */
  var initialTheme = storedTheme();
  if (initialTheme !== 'dark' && initialTheme !== 'light') {
    initialTheme = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  applyTheme(initialTheme, false);
  ctx.font = FONT;
  charWidth = ctx.measureText('MMMMMMMMMM').width / 10 || charWidth;

  var titleBits = ['Tachyon flame graph'];
  if (meta.command) titleBits.push(meta.command);
  else if (meta.pid) titleBits.push('PID ' + meta.pid);
  document.title = titleBits.join(' \u2014 ');

  fillThreadSelect();
  var rootTree = viewTree(views[0]);
  if (rootTree.total[0] === 0) {
    var msg = $('message');
    msg.hidden = false;
    msg.textContent = 'No samples were collected.';
  }
  renderSidebar();
  render();

  /* A small read-only view of the page's state for automated tests and for
   * anyone poking at a report from the developer console. */
  window.tachyonFlamegraph = {
    rects: function () {
      var t = viewTree(views[state.view]);
      return layout.node.map(function (node, i) {
        var l = t.loc[node];
        return {
          node: node, name: node === 0 ? views[state.view].label : locFunc(l), file: locFile(l),
          line: locLine(l), x: layout.x[i], y: rowY(layout.row[i]), w: layout.w[i], h: ROW_HEIGHT,
          samples: t.total[node], matched: !!(state.matches && state.matches[node])
        };
      });
    },
    state: function () {
      var t = viewTree(views[state.view]);
      return {
        view: state.view, zoom: state.zoom, inverted: state.inverted, query: state.query,
        matchShare: state.matchShare, matchCount: state.matchCount, total: t.total[0],
        nodes: t.n, width: layout.width, height: layout.height,
        theme: document.documentElement.getAttribute('data-theme')
      };
    },
    svg: buildSVG,
    /* Milliseconds from navigation start to the first complete drawing. */
    readyAt: performance.now()
  };
}());
