/* A source file's page: colours each sampled line by its heat, and adds the
 * Self/Total switch, the cold-line filter, the minimap, caller/callee menus
 * and bytecode panels. The rows themselves are static HTML. */
var MODE_KEY = 'tachyon-heatmap-mode';
var state = { mode: 'self', hideCold: false, bytecodeAll: false };
var code = document.getElementById('code');
var rows = code.querySelectorAll('.ln');
var hits = [];          /* {row, line, self, cum, index} for every sampled line */
var byLine = {};

(function indexRows() {
  var at = {};
  DATA.lines.forEach(function (l) { at[l[0]] = l; });
  for (var i = 0; i < rows.length; i++) {
    var r = rows[i];
    if (!r.classList.contains('hit')) continue;
    var line = Number(r.dataset.n);
    var l = at[line];
    if (!l) continue;
    var h = { row: r, line: line, self: l[1], cum: l[2], index: i };
    hits.push(h);
    byLine[line] = h;
  }
}());

function paint() {
  var self = state.mode === 'self';
  var max = self ? DATA.maxSelf : DATA.maxCum;
  hits.forEach(function (h) {
    var n = self ? h.self : h.cum;
    var t = intensity(n, max);
    h.heat = t;
    if (n > 0) h.row.style.setProperty('--heat', heatColor(t));
    else h.row.style.removeProperty('--heat');
    h.row.dataset.heat = t.toFixed(3);
  });
  var b = document.getElementById('btn-mode');
  b.textContent = self ? 'Colour: Self' : 'Colour: Total';
  b.setAttribute('aria-pressed', self ? 'false' : 'true');
  drawMinimap();
}

/* ---- Minimap ---- */

var mini = document.getElementById('minimap');
function drawMinimap() {
  var dpr = window.devicePixelRatio || 1;
  var w = mini.clientWidth, h = mini.clientHeight;
  if (!w || !h) return;
  mini.width = Math.round(w * dpr);
  mini.height = Math.round(h * dpr);
  var ctx = mini.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  var n = Math.max(rows.length, 1);
  var bar = Math.max(2, h / n);
  hits.slice().sort(function (a, b) { return a.heat - b.heat; }).forEach(function (x) {
    if (!x.heat) return;
    ctx.fillStyle = heatColor(x.heat).replace(/[\d.]+\)$/, '1)');
    ctx.fillRect(0, (x.index / n) * h, w, bar);
  });
  /* The part of the file in view. */
  var top = code.getBoundingClientRect().top, height = code.scrollHeight || 1;
  var from = Math.max(0, -top + 52) / height, to = Math.min(1, (-top + window.innerHeight) / height);
  ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#2f6fde';
  ctx.lineWidth = 1.5;
  ctx.strokeRect(1, from * h, w - 2, Math.max(4, (to - from) * h));
}
mini.addEventListener('click', function (e) {
  var box = mini.getBoundingClientRect();
  var i = Math.floor(((e.clientY - box.top) / box.height) * rows.length);
  var r = rows[Math.max(0, Math.min(rows.length - 1, i))];
  if (r) r.scrollIntoView({ block: 'center' });
});
var pending = false;
window.addEventListener('scroll', function () {
  if (pending) return;
  pending = true;
  requestAnimationFrame(function () { pending = false; drawMinimap(); });
});
window.addEventListener('resize', drawMinimap);

/* ---- Caller / callee navigation ---- */

var menu = document.getElementById('nav-menu');
function closeMenu() { menu.hidden = true; menu.textContent = ''; }

function targetLink(t) { return pagePath(t[0]) + '#line-' + t[1]; }

/* t = [page, line, function, file, samples] */
function openMenu(button, title, targets) {
  menu.textContent = '';
  menu.appendChild(el('div', 'title', title));
  targets.forEach(function (t) {
    var a = el('a');
    a.href = targetLink(t);
    a.setAttribute('role', 'menuitem');
    a.appendChild(el('span', 'fn', t[2]));
    a.appendChild(el('span', 'loc', baseName(t[3]) + ':' + t[1]));
    a.appendChild(el('span', 'n', fmt(t[4])));
    a.title = t[3] + ':' + t[1];
    a.addEventListener('click', closeMenu);
    menu.appendChild(a);
  });
  var box = button.getBoundingClientRect();
  menu.style.left = (window.scrollX + box.left) + 'px';
  menu.style.top = (window.scrollY + box.bottom + 2) + 'px';
  menu.hidden = false;
  var first = menu.querySelector('a');
  if (first) first.focus();
}

function go(t) {
  var link = targetLink(t);
  if (t[0] === DATA.page) {
    location.hash = 'line-' + t[1];
  } else {
    location.href = link;
  }
}

function addNav(list, kind, symbol) {
  list.forEach(function (entry) {
    var h = byLine[entry[0]];
    var row = h ? h.row : document.getElementById('line-' + entry[0]);
    if (!row) return;
    var targets = entry[1];
    var total = targets.reduce(function (s, t) { return s + t[4]; }, 0);
    var b = el('button', 'nav-' + kind, symbol);
    b.type = 'button';
    if (targets.length === 1) {
      b.title = (kind === 'caller' ? 'Go to caller: ' : 'Go to callee: ') + targets[0][2] + ' (' + fmt(total) + ' samples)';
    } else {
      b.title = targets.length + ' ' + kind + 's (' + fmt(total) + ' samples)';
    }
    b.addEventListener('click', function (e) {
      e.stopPropagation();
      if (targets.length === 1) go(targets[0]);
      else openMenu(b, b.title, targets);
    });
    navSlot(row).appendChild(b);
  });
}

/* The button slot of a row; a cold line (a def line with no samples of its
 * own) gets one on demand. */
function navSlot(row) {
  var nav = row.querySelector('.nav');
  if (!nav) {
    nav = el('span', 'nav');
    row.insertBefore(nav, row.firstChild);
    /* Kept in view by the cold-line filter: it leads somewhere. */
    row.classList.add('has-nav');
  }
  return nav;
}

document.addEventListener('click', function (e) { if (!menu.contains(e.target)) closeMenu(); });
document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeMenu(); });

/* ---- Bytecode panels ---- */

var opsByLine = {};
DATA.ops.forEach(function (o) { opsByLine[o[0]] = o[1]; });

function specializedShare(ops) {
  var all = 0, spec = 0;
  ops.forEach(function (o) { all += o[2]; if (o[0] !== o[1]) spec += o[2]; });
  return all ? Math.round((100 * spec) / all) : 0;
}

function panelFor(line, ops) {
  var div = el('div', 'bytecode');
  div.dataset.line = line;
  var all = ops.reduce(function (s, o) { return s + o[2]; }, 0);
  div.appendChild(el('div', 'summary', fmt(all) + ' samples on ' + ops.length + ' instruction' +
    (ops.length === 1 ? '' : 's') + ', ' + specializedShare(ops) + '% specialized'));
  var table = el('table');
  var head = el('tr');
  ['Instruction', 'Base instruction', 'Samples', 'Share'].forEach(function (t) { head.appendChild(el('th', null, t)); });
  table.appendChild(head);
  ops.forEach(function (o) {
    var tr = el('tr');
    tr.appendChild(el('td', o[0] !== o[1] ? 'spec' : null, o[0]));
    tr.appendChild(el('td', null, o[0] !== o[1] ? o[1] : '\u2014'));
    tr.appendChild(el('td', 'num', fmt(o[2])));
    tr.appendChild(el('td', 'num', (all ? (100 * o[2]) / all : 0).toFixed(1) + '%'));
    table.appendChild(tr);
  });
  div.appendChild(table);
  return div;
}

function toggleBytecode(line, open) {
  var h = byLine[line];
  var row = h ? h.row : document.getElementById('line-' + line);
  if (!row) return;
  var next = row.nextElementSibling;
  var shown = next && next.classList.contains('bytecode');
  if (open === undefined) open = !shown;
  if (open && !shown) row.parentNode.insertBefore(panelFor(line, opsByLine[line]), row.nextSibling);
  if (!open && shown) next.remove();
  var b = row.querySelector('.bc-toggle');
  if (b) b.setAttribute('aria-expanded', open ? 'true' : 'false');
}

function addBytecodeButtons() {
  if (!DATA.opcodes || !DATA.ops.length) return;
  DATA.ops.forEach(function (o) {
    var h = byLine[o[0]];
    if (!h) return;
    var b = el('button', 'bc-toggle', 'ops');
    b.type = 'button';
    b.setAttribute('aria-expanded', 'false');
    b.title = 'Bytecode of this line: ' + specializedShare(o[1]) + '% of its samples in specialized instructions';
    b.addEventListener('click', function (e) { e.stopPropagation(); toggleBytecode(o[0]); });
    navSlot(h.row).appendChild(b);
  });
  var all = document.getElementById('btn-bytecode');
  all.hidden = false;
  all.addEventListener('click', function () {
    state.bytecodeAll = !state.bytecodeAll;
    all.setAttribute('aria-pressed', state.bytecodeAll ? 'true' : 'false');
    all.textContent = state.bytecodeAll ? 'Collapse bytecode' : 'Expand bytecode';
    DATA.ops.forEach(function (o) { toggleBytecode(o[0], state.bytecodeAll); });
  });
}

/* ---- Controls ---- */

function setHideCold(on) {
  state.hideCold = on;
  document.body.classList.toggle('hide-cold', on);
  var b = document.getElementById('btn-cold');
  b.setAttribute('aria-pressed', on ? 'true' : 'false');
  b.textContent = on ? 'Show all lines' : 'Hide cold lines';
  drawMinimap();
}

document.getElementById('btn-mode').addEventListener('click', function () {
  state.mode = state.mode === 'self' ? 'total' : 'self';
  try { window.localStorage.setItem(MODE_KEY, state.mode); } catch (e) { /* not kept */ }
  paint();
});
document.getElementById('btn-cold').addEventListener('click', function () { setHideCold(!state.hideCold); });
document.getElementById('scale').style.background = heatGradient();

function showTarget() {
  var m = /^#line-(\d+)$/.exec(location.hash);
  if (!m) return;
  var row = document.getElementById('line-' + m[1]);
  if (!row) return;
  if (state.hideCold && !row.classList.contains('hit')) setHideCold(false);
  row.scrollIntoView({ block: 'center' });
}
window.addEventListener('hashchange', showTarget);
/* A click on a line number makes the page's address point at that line. */
code.addEventListener('click', function (e) {
  var row = e.target;
  if (!row.classList || !row.classList.contains('ln')) return;
  var numberWidth = 4.5 * parseFloat(getComputedStyle(row).fontSize);
  if (e.clientX - row.getBoundingClientRect().left <= numberWidth) location.hash = row.id;
});

try {
  var savedMode = window.localStorage.getItem(MODE_KEY);
  if (savedMode === 'self' || savedMode === 'total') state.mode = savedMode;
} catch (e) { /* defaults */ }
initTheme(drawMinimap);
addNav(DATA.callers, 'caller', '\u25b2');
addNav(DATA.callees, 'callee', '\u25bc');
addBytecodeButtons();
paint();
showTarget();

window.tachyonHeatmap = {
  readyAt: performance.now(),
  scriptStart: SCRIPT_START,
  state: function () {
    return { mode: state.mode, hideCold: state.hideCold, rows: rows.length, hits: hits.length };
  },
  lines: function () {
    return hits.map(function (h) {
      return { line: h.line, self: h.self, cum: h.cum, heat: h.heat, color: h.row.style.getPropertyValue('--heat') };
    });
  },
  toggleBytecode: toggleBytecode
};
