/* Tachyon flame graph viewer.
 *
 * The page carries its data in <script id="profile-data"> as JSON written by
 * the flamegraph plugin (fg_report.c):
 *   strings  every text, referred to by index
 *   locs     [file, function, line, kind, module] per code location (string
 *            indices; module is the dotted module name of the file);
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
 *   diff     only in a differential report: baseline file, sample totals,
 *            scale and the baseline-only ("elided") paths, each
 *            [samples, file, func, line, file, func, line...] root first;
 *            all.tree then has base: [baseline self, baseline subtree] per
 *            node, already scaled to the current profile
 * Drawing uses one canvas; only rectangles wider than half a pixel are laid
 * out, so the cost follows what is visible rather than the profile size.
 * Every text from the profile reaches the DOM through textContent, never as
 * markup: function and file names come from the profiled program.
 *
 * The viewer is split in four files, concatenated in this order inside one
 * function scope by the page template: fg_model.js (data and state),
 * fg_draw.js (canvas layout, drawing, SVG), fg_panels.js (tooltip and
 * sidebar), fg_controls.js (search, zoom, filters, theme, start-up). */
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
function locModule(l) { return locs[l].length > 4 ? strings[locs[l][4]] : locFile(l); }
var diff = data.diff || null;

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
    hot: raw.hot || [],
    base: null,
    baseTotal: null
  };
  if (raw.base && raw.base.length === 2 * n) {
    t.base = new Float64Array(n);
    t.baseTotal = new Float64Array(n);
    for (var b = 0; b < n; b++) { t.base[b] = raw.base[2 * b]; t.baseTotal[b] = raw.base[2 * b + 1]; }
  }
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
  if (!state.callers) return v.tree;
  if (!v.inverted) v.inverted = invertTree(v.tree);
  return v.inverted;
}

/* The inverted (callers) view: the functions that were running at the root,
 * each one's callers above it. Every node of the call tree with self samples
 * adds them along its reversed path, so a root child's width is that
 * location's self time and the path up reads leaf -> caller -> ... -> root.
 * The result has the layout decodeTree gives (preorder, hottest child
 * first), so drawing, search and zoom work on it unchanged. */
function invertTree(t) {
  var root = { loc: 0, total: t.total[0], self: 0, kids: new Map() };
  for (var i = 1; i < t.n; i++) {
    var s = t.self[i];
    if (!s) continue;
    var cur = root;
    for (var j = i; j > 0; j = t.parent[j]) {
      var next = cur.kids.get(t.loc[j]);
      if (!next) { next = { loc: t.loc[j], total: 0, self: 0, kids: new Map() }; cur.kids.set(t.loc[j], next); }
      next.total += s;
      cur = next;
    }
    cur.self += s;
  }
  root.self = Math.max(0, t.total[0] - Array.from(root.kids.values()).reduce(function (a, k) { return a + k.total; }, 0));
  var flat = [], work = [root];
  while (work.length) {
    var node = work.pop();
    var kids = Array.from(node.kids.values()).sort(function (a, b) { return b.total - a.total || a.loc - b.loc; });
    flat.push(node.loc, node.total, node.self, kids.length);
    for (var k = kids.length - 1; k >= 0; k--) work.push(kids[k]);
  }
  return decodeTree({ nodes: flat, ops: [], hot: t.hot });
}

/* ---- State ---- */
var state = {
  view: 0,
  zoom: 0,
  inverted: false,
  callers: false,    /* the inverted call tree (leaf functions at the root) */
  modules: false,    /* module names instead of file paths */
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
  /* Never round a part up to a whole: 13,175 of 13,177 is not 100%. */
  if (part === whole) return '100%';
  if (p >= 99.95) return (Math.floor(p * 100) / 100).toFixed(2) + '%';
  return p.toFixed(1) + '%';
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
  if (state.modules) file = locModule(l);
  return line > 0 ? file + ':' + line : file;
}

/* The text drawn in a frame: the function, qualified by its module in the
 * module view. */
function frameText(l) {
  if (!state.modules || locKind(l) !== KIND_PYTHON) return locFunc(l);
  var m = locModule(l);
  return m && m !== '~' ? locFunc(l) + ' (' + m + ')' : locFunc(l);
}

/* ---- Differential view ---- */

/* Baseline values of a node when the current view carries them (the
 * all-threads call tree of a differential report), else null. */
function diffOf(t, node) {
  if (!diff || !t.base) return null;
  var cur = t.self[node], base = t.base[node];
  var d = cur - base;
  var pct = base > 0 ? 100 * d / base : (cur > 0 ? 100 : 0);
  return { base: base, baseTotal: t.baseTotal[node], diff: d, pct: pct,
           totalDiff: t.total[node] - t.baseTotal[node] };
}

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
