/* Shared by both pages: data island, element helpers, heat colours, theme. */
var SCRIPT_START = performance.now();
var DATA = JSON.parse(document.getElementById('heat-data').textContent);
var THEME_KEY = 'tachyon-heatmap-theme';

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function fmt(n) {
  return Number(n).toLocaleString('en-US');
}

function pagePath(page) {
  var s = String(page);
  while (s.length < 4) s = '0' + s;
  return 'file_' + s + '.html';
}

function baseName(path) {
  var i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/* Intensity of n against the file's maximum on a log scale, so a line with
 * a handful of samples is still visibly warm next to one with thousands. */
function intensity(n, max) {
  if (!n || !max) return 0;
  return Math.log(n + 1) / Math.log(max + 1);
}

/* Cold blue through yellow to hot red; the alpha rises with the heat so
 * lightly sampled lines stay readable. */
var STOPS = [[0, [70, 130, 230]], [0.45, [250, 210, 60]], [0.75, [245, 130, 40]], [1, [220, 40, 40]]];
function heatRGB(t) {
  t = Math.max(0, Math.min(1, t));
  for (var i = 1; i < STOPS.length; i++) {
    if (t <= STOPS[i][0]) {
      var a = STOPS[i - 1], b = STOPS[i], f = (t - a[0]) / (b[0] - a[0]);
      return [0, 1, 2].map(function (k) { return Math.round(a[1][k] + (b[1][k] - a[1][k]) * f); });
    }
  }
  return STOPS[STOPS.length - 1][1].slice();
}
function heatColor(t) {
  var c = heatRGB(t);
  return 'rgba(' + c[0] + ', ' + c[1] + ', ' + c[2] + ', ' + (0.22 + 0.6 * t).toFixed(3) + ')';
}
function heatGradient() {
  return 'linear-gradient(to right, ' + STOPS.map(function (s) {
    return heatColor(s[0]) + ' ' + (s[0] * 100) + '%';
  }).join(', ') + ')';
}

function storedTheme() {
  try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
}
function setTheme(theme, save) {
  document.documentElement.setAttribute('data-theme', theme);
  var b = document.getElementById('btn-theme');
  if (b) b.textContent = theme === 'dark' ? 'Light theme' : 'Dark theme';
  if (save) {
    try { window.localStorage.setItem(THEME_KEY, theme); } catch (e) { /* private mode: not kept */ }
  }
}
function initTheme(onChange) {
  var saved = storedTheme();
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  setTheme(saved === 'dark' || saved === 'light' ? saved : (dark ? 'dark' : 'light'), false);
  document.getElementById('btn-theme').addEventListener('click', function () {
    var next = document.documentElement.getAttribute('data-theme') === 'dark' ? 'light' : 'dark';
    setTheme(next, true);
    if (onChange) onChange();
  });
}
