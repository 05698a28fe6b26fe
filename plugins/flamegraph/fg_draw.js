/* Canvas layout, drawing, hit testing and SVG export of the flame graph. */

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

/* Differential colouring: red where the subtree's samples grew against the
 * (scaled) baseline, blue where they shrank, grey when about equal; the
 * stronger the change relative to the profile, the deeper the colour. */
function diffColor(t, node) {
  if (node === 0) return palette.root;
  var change = t.total[node] - t.baseTotal[node];
  var whole = Math.max(1, t.total[0]);
  var k = Math.min(1, Math.abs(change) / whole * 8);
  if (k < 0.02) return 'hsl(0,0%,' + (palette.l + 15) + '%)';
  var light = 88 - 40 * k;
  return change > 0 ? 'hsl(0,80%,' + light + '%)' : 'hsl(215,80%,' + light + '%)';
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
  /* Browsers refuse canvases past about 32,000 pixels a side; deeper rows
   * are left out (zooming in brings them back into range). */
  var maxRows = Math.floor(30000 / (ROW_HEIGHT * (window.devicePixelRatio || 1)));
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
      if (cw >= MIN_WIDTH && row + 1 < maxRows) kids.push(c, cx, row + 1);
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
    ctx.fillStyle = matched ? palette.match : isAncestor ? palette.ancestor
      : (t.base ? diffColor(t, node) : locColor(loc));
    ctx.fillRect(x, y, w > 1.5 ? w - 0.5 : w, ROW_HEIGHT - 1);
    if (w >= LABEL_MIN_WIDTH) {
      var text = label(node === 0 ? views[state.view].label : frameText(loc), w);
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
  scrollToRoot();
}

/* Keep the root row in sight: at the bottom of a flame graph, at the top of
 * an icicle, whatever the depth of the tallest stack. */
function scrollToRoot() {
  wrap.scrollTop = state.inverted ? 0 : wrap.scrollHeight;
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
