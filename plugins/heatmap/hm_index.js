/* The index page: run summary, hottest lines, and the files grouped as
 * project, standard library, site-packages and other, with folders that
 * follow the module names. */
var KINDS = [
  { id: 0, title: 'Project files', open: true },
  { id: 1, title: 'Standard library', open: false },
  { id: 2, title: 'Site packages', open: false },
  { id: 3, title: 'Other files', open: false }
];

/* DATA.files rows: [name, module, kind, cumulative, self, lines hit, page, note]. */
var files = DATA.files.map(function (r) {
  return { name: r[0], module: r[1], kind: r[2], cum: r[3], self: r[4], lines: r[5], page: r[6], note: r[7] };
});
var maxCum = files.reduce(function (m, f) { return Math.max(m, f.cum); }, 0);

function newNode() { return { dirs: {}, files: [], cum: 0, count: 0 }; }

function buildTree(list) {
  var root = newNode();
  list.forEach(function (f) {
    var parts = f.module.split('.').filter(function (p) { return p.length > 0; });
    var node = root;
    node.cum += f.cum;
    node.count++;
    for (var i = 0; i + 1 < parts.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(node.dirs, parts[i])) node.dirs[parts[i]] = newNode();
      node = node.dirs[parts[i]];
      node.cum += f.cum;
      node.count++;
    }
    f.leaf = parts.length ? parts[parts.length - 1] : f.module;
    node.files.push(f);
  });
  return root;
}

function countText(node) {
  return '(' + fmt(node.count) + ' file' + (node.count === 1 ? '' : 's') + ', ' + fmt(node.cum) + ' sample' +
    (node.cum === 1 ? '' : 's') + ')';
}

function fileItem(f) {
  var a = el('a', 'file-item');
  a.href = pagePath(f.page);
  a.dataset.page = f.page;
  a.dataset.samples = f.cum;
  a.dataset.search = (f.name + ' ' + f.module).toLowerCase();
  a.title = f.name;
  var name = el('span', 'name');
  name.appendChild(el('span', 'leaf', f.leaf));
  name.appendChild(el('span', 'full', f.name));
  if (f.note) {
    var w = el('span', 'warn', '\u26a0');
    w.title = f.note;
    name.appendChild(w);
  }
  a.appendChild(name);
  a.appendChild(el('span', 'samples', fmt(f.cum) + ' samples'));
  var bar = el('span', 'bar');
  var fill = el('span');
  var share = maxCum ? f.cum / maxCum : 0;
  fill.style.width = (100 * share).toFixed(1) + '%';
  fill.style.background = heatColor(share).replace(/[\d.]+\)$/, '0.9)');
  bar.appendChild(fill);
  bar.title = (100 * share).toFixed(1) + '% of the hottest file';
  a.appendChild(bar);
  return a;
}

function renderNode(node, container) {
  Object.keys(node.dirs).map(function (k) { return [k, node.dirs[k]]; })
    .sort(function (a, b) { return b[1].cum - a[1].cum || (a[0] < b[0] ? -1 : 1); })
    .forEach(function (e) {
      var d = el('details', 'folder');
      var s = el('summary');
      s.appendChild(el('span', 'dir', e[0] + '/'));
      s.appendChild(el('span', 'count', countText(e[1])));
      d.appendChild(s);
      renderNode(e[1], d);
      container.appendChild(d);
    });
  node.files.slice().sort(function (a, b) { return b.cum - a.cum || a.page - b.page; })
    .forEach(function (f) { container.appendChild(fileItem(f)); });
}

function renderTree() {
  var tree = document.getElementById('tree');
  KINDS.forEach(function (k) {
    var list = files.filter(function (f) { return f.kind === k.id; });
    if (!list.length) return;
    var root = buildTree(list);
    var d = el('details', 'group');
    d.dataset.kind = k.id;
    d.open = k.open;
    var s = el('summary');
    s.appendChild(el('span', 'title', k.title));
    s.appendChild(el('span', 'count', countText(root)));
    d.appendChild(s);
    renderNode(root, d);
    tree.appendChild(d);
  });
  if (!files.length) tree.appendChild(el('p', 'scope', 'No source file was sampled.'));
}

function renderHot() {
  var ol = document.getElementById('hot-lines');
  DATA.hot.forEach(function (h) {
    var li = el('li');
    var a = el('a', 'where', baseName(h[5]) + ':' + h[1]);
    a.href = pagePath(h[0]) + '#line-' + h[1];
    a.title = h[5] + ':' + h[1];
    li.appendChild(a);
    li.appendChild(el('span', 'counts', 'self ' + fmt(h[2]) + ', total ' + fmt(h[3])));
    li.appendChild(el('code', null, h[4]));
    ol.appendChild(li);
  });
  if (!DATA.hot.length) ol.appendChild(el('li', 'scope', 'No line was the innermost frame of any sample.'));
}

function setOpen(open) {
  document.querySelectorAll('#tree details').forEach(function (d) { d.open = open; });
}

function applyFilter(text) {
  var q = text.trim().toLowerCase();
  document.querySelectorAll('#tree .file-item').forEach(function (a) {
    a.classList.toggle('hidden-by-filter', q !== '' && a.dataset.search.indexOf(q) < 0);
  });
  document.querySelectorAll('#tree details').forEach(function (d) {
    var any = d.querySelector('.file-item:not(.hidden-by-filter)') !== null;
    d.classList.toggle('hidden-by-filter', !any);
    if (q !== '' && any) d.open = true;
  });
}

initTheme(null);
renderHot();
renderTree();
document.getElementById('btn-expand').addEventListener('click', function () { setOpen(true); });
document.getElementById('btn-collapse').addEventListener('click', function () { setOpen(false); });
var filter = document.getElementById('filter');
filter.addEventListener('input', function () { applyFilter(filter.value); });
document.addEventListener('keydown', function (e) {
  if (e.key === '/' && document.activeElement !== filter) { e.preventDefault(); filter.focus(); }
});

window.tachyonHeatmap = {
  readyAt: performance.now(),
  scriptStart: SCRIPT_START,
  files: function () {
    return Array.from(document.querySelectorAll('#tree .file-item')).map(function (a) {
      return { page: Number(a.dataset.page), name: a.title, samples: Number(a.dataset.samples) };
    });
  },
  /* The sample counts of the file items directly in each folder, in order. */
  folders: function () {
    return Array.from(document.querySelectorAll('#tree details')).map(function (d) {
      return Array.from(d.children).filter(function (c) { return c.classList.contains('file-item'); })
        .map(function (c) { return Number(c.dataset.samples); });
    });
  }
};
