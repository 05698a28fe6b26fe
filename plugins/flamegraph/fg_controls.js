/* Interaction: zoom, search, thread filter, icicle toggle, theme, keyboard,
 * and start-up. */

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
  scrollToRoot();
});

/* ---- Inverted call tree and module names ---- */
var callersBtn = $('btn-callers');
callersBtn.addEventListener('click', function () {
  state.callers = !state.callers;
  callersBtn.setAttribute('aria-pressed', String(state.callers));
  state.zoom = 0;
  state.hover = -1;
  runSearch();
  renderSidebar();
  render();
});

var modulesBtn = $('btn-modules');
modulesBtn.addEventListener('click', function () {
  state.modules = !state.modules;
  modulesBtn.setAttribute('aria-pressed', String(state.modules));
  renderSidebar();
  render();
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

var titleBits = [diff ? 'Tachyon differential flame graph' : 'Tachyon flame graph'];
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
        text: node === 0 ? views[state.view].label : frameText(l), module: locModule(l),
        base: t.base ? t.base[node] : null, baseTotal: t.baseTotal ? t.baseTotal[node] : null,
        line: locLine(l), x: layout.x[i], y: rowY(layout.row[i]), w: layout.w[i], h: ROW_HEIGHT,
        samples: t.total[node], matched: !!(state.matches && state.matches[node])
      };
    });
  },
  state: function () {
    var t = viewTree(views[state.view]);
    return {
      view: state.view, zoom: state.zoom, inverted: state.inverted, query: state.query,
      callers: state.callers, modules: state.modules, differential: !!diff,
      matchShare: state.matchShare, matchCount: state.matchCount, total: t.total[0],
      nodes: t.n, width: layout.width, height: layout.height,
      theme: document.documentElement.getAttribute('data-theme')
    };
  },
  svg: buildSVG,
  /* The differential summary as shown: largest regressions and
   * improvements by location, and the elided count. */
  diff: function () {
    if (!diff) return null;
    var list = diffByLoc();
    function item(e) { return { func: locFunc(e.loc), file: locFile(e.loc), line: locLine(e.loc), diff: e.diff }; }
    return {
      regressions: list.filter(function (e) { return e.diff > 0; }).map(item),
      improvements: list.filter(function (e) { return e.diff < 0; }).reverse().map(item),
      elided: diff.elided_count, baselineSamples: diff.baseline_samples, currentSamples: diff.current_samples
    };
  },
  /* Milliseconds from navigation start to the first complete drawing. */
  readyAt: performance.now()
};
