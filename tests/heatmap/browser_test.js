#!/usr/bin/env node
/* Browser tests of the heatmap pages: real reports written by the plugin
 * through tachyon_feed, opened from disk in headless Chromium with the
 * network off (the shared harness in ../browser). Run by
 * ../browser/run_browser.sh; ctest counts a missing Chromium as a failure.
 *
 *   node browser_test.js --feed PATH --plugin-dir DIR --out DIR --chromium PATH
 *
 * Screenshots (heatmap_index.png, heatmap_file.png, ...) are left in --out
 * for a human to look at. */
'use strict';
const assert = require('assert');
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const harness = require('../browser/harness.js');

const args = harness.parseArgs(['feed', 'plugin-dir', 'out', 'chromium']);
const OUT = path.resolve(args.out, 'browser');
const FIXTURES = path.join(__dirname, 'fixtures');

/* ---- Reports ---- */

function feed(stackFile, dir, extra) {
  fs.rmSync(dir, { recursive: true, force: true });
  const argv = ['--plugin-dir', args['plugin-dir'], '--format', 'heatmap', '-o', dir].concat(extra || []);
  argv.push(stackFile);
  /* From the fixtures folder, app.py and pkg/helpers.py are project files. */
  childProcess.execFileSync(args.feed, argv, { cwd: FIXTURES, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.ok(fs.existsSync(path.join(dir, 'index.html')), 'report written: ' + dir);
  return dir;
}

function fixtureReport() {
  fs.writeFileSync(path.join(OUT, 'short.py'), 'def moved():\n    pass\n# three lines\n');
  const text = fs.readFileSync(path.join(FIXTURES, 'app.stacks'), 'utf8')
    .split('@DIR@').join(FIXTURES).split('@OUT@').join(OUT);
  const stacks = path.join(OUT, 'app.stacks');
  fs.writeFileSync(stacks, text);
  return feed(stacks, path.join(OUT, 'fixture'), ['--opcodes', '--interval', '1000', '--pid', '4242']);
}

/* File contents and names from the profiled program must stay text. */
function hostileReport() {
  const folder = path.join(OUT, 'ev"il <b>&\'d\u00efr \u65e5');
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'x<img src=x onerror=window.pwned=3>.py');
  const lines = ['</script><script>window.pwned=1</script>', '<img src=x onerror="window.pwned=2">',
    "greeting = '\u65e5\u672c\u8a9e \u03c0 caf\u00e9'", "s = '" + 'w'.repeat(30000) + "'"];
  for (let i = 5; i <= 50000; i++) lines.push('v_' + i + ' = ' + i);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const stacks = path.join(OUT, 'hostile.stacks');
  fs.writeFileSync(stacks, `1 0x3 5 100 ${file}|<b>f</b>|1\n1 0x3 7 200 ${file}|g|3\n1 0x3 9 300 ${file}|h|49990\n`);
  return { dir: feed(stacks, path.join(OUT, 'hostile')), file };
}

/* ---- Pages ---- */

const ready = () => window.tachyonHeatmap && window.tachyonHeatmap.readyAt > 0;
const open = (ctx, file) => harness.openPage(ctx.context, file, ready);
const pageOf = (ctx, n) => path.join(ctx.dir, 'file_' + String(n).padStart(4, '0') + '.html');

async function rowInfo(page, line) {
  return page.evaluate((n) => {
    const r = document.getElementById('line-' + n);
    const b = r.getBoundingClientRect();
    return {
      self: r.querySelector('.cs') ? r.querySelector('.cs').textContent : '',
      total: r.querySelector('.cc') ? r.querySelector('.cc').textContent : '',
      text: r.querySelector('.src') ? r.querySelector('.src').textContent : r.textContent,
      bg: getComputedStyle(r).backgroundColor,
      visible: r.offsetParent !== null, inView: b.top >= 0 && b.bottom <= window.innerHeight,
      target: r.matches(':target')
    };
  }, line);
}

async function waitForUrl(page, suffix) {
  await page.waitForFunction((s) => location.href.endsWith(s), suffix);
  await page.waitForFunction(ready);
}

/* ---- Tests ---- */

const tests = [];
function test(name, fn) { tests.push({ name, fn }); }

test('index loads offline, ranks the files and lists the hottest lines', async (ctx) => {
  const page = await open(ctx, path.join(ctx.dir, 'index.html'));
  /* Pages are numbered by rank; inside every folder files come hottest first. */
  const files = await page.evaluate(() => window.tachyonHeatmap.files());
  const ranked = files.slice().sort((a, b) => a.page - b.page);
  assert.deepStrictEqual(ranked.map((f) => path.basename(f.name)), ['app.py', 'helpers.py', 'gone.py', 'short.py']);
  assert.deepStrictEqual(ranked.map((f) => f.samples), [3160, 850, 30, 10]);
  for (const list of await page.evaluate(() => window.tachyonHeatmap.folders())) {
    for (let i = 1; i < list.length; i++) assert.ok(list[i - 1] >= list[i], 'folder order: ' + list.join(', '));
  }
  assert.strictEqual(await page.textContent('#card-files'), '4');
  assert.strictEqual(await page.textContent('#card-samples'), '1060');
  const first = await page.textContent('#hot-lines li:first-child');
  assert.ok(first.includes('app.py:16') && first.includes('self 600') && first.includes('total = (total * 31 + b)'), first);
  const groups = await page.$$eval('#tree > details > summary', (s) => s.map((x) => x.textContent));
  assert.deepStrictEqual(groups, ['Project files(2 files, 4,010 samples)', 'Other files(2 files, 40 samples)']);
  assert.deepStrictEqual(await page.$$eval('#tree > details', (ds) => ds.map((d) => d.open)), [true, false],
    'project files open, others collapsed');
  await page.click('#btn-expand');
  await page.fill('#filter', 'helpers');
  const shown = await page.$$eval('#tree .file-item:not(.hidden-by-filter)', (a) => a.map((x) => x.title));
  assert.deepStrictEqual(shown.map((s) => path.basename(s)), ['helpers.py']);
  await page.fill('#filter', '');
  await page.screenshot({ path: path.join(OUT, 'heatmap_index.png'), fullPage: true });
  await page.click('#tree .file-item[data-page="0"]');
  await waitForUrl(page, 'file_0000.html');
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('the known hot line has the highest self count and the hottest colour', async (ctx) => {
  const page = ctx.app;
  const lines = await page.evaluate(() => window.tachyonHeatmap.lines());
  const best = lines.reduce((a, b) => (b.self > a.self ? b : a));
  assert.strictEqual(best.line, 16);
  assert.strictEqual(best.self, 600);
  assert.strictEqual(best.heat, 1);
  for (const l of lines) if (l.line !== 16) assert.ok(l.heat < 1, `line ${l.line} heat ${l.heat}`);
  const hot = await rowInfo(page, 16);
  assert.strictEqual(hot.self, '600');
  assert.strictEqual(hot.total, '600');
  const cold = await rowInfo(page, 1);
  assert.notStrictEqual(hot.bg, cold.bg, 'the hot line is painted');
  const warm = await rowInfo(page, 29);
  assert.notStrictEqual(hot.bg, warm.bg, 'colour follows intensity');
  assert.ok((await page.textContent('#path')).endsWith('/app.py'));
  /* Every line keeps its own row, empty ones included. */
  const heights = await page.$$eval('#code .ln', (rs) => rs.map((r) => r.getBoundingClientRect().height));
  assert.ok(Math.min(...heights) > 10 && Math.max(...heights) - Math.min(...heights) < 1, heights.join(','));
  await page.screenshot({ path: path.join(OUT, 'heatmap_file.png') });
  assert.deepStrictEqual(page.problems, []);
});

test('Self/Total toggle recolours by cumulative samples', async (ctx) => {
  const page = ctx.app;
  await page.click('#btn-mode');
  assert.strictEqual((await page.evaluate(() => window.tachyonHeatmap.state())).mode, 'total');
  const lines = await page.evaluate(() => window.tachyonHeatmap.lines());
  const hottest = lines.filter((l) => l.heat === 1).map((l) => l.line);
  assert.deepStrictEqual(hottest, [35], 'the <module> line holds every sample');
  assert.ok(lines.find((l) => l.line === 16).heat < 1);
  assert.ok(lines.find((l) => l.line === 30).color !== '', 'lines with no self samples are coloured by total');
  assert.strictEqual(await page.getAttribute('#btn-mode', 'aria-pressed'), 'true');
  await page.click('#btn-mode');
  assert.strictEqual((await page.evaluate(() => window.tachyonHeatmap.state())).mode, 'self');
  assert.strictEqual(lines.find((l) => l.line === 30).color !== '', true);
  assert.strictEqual((await page.evaluate(() => window.tachyonHeatmap.lines())).find((l) => l.line === 30).color, '',
    'in Self mode a line with no self samples is not coloured');
});

test('cold-code filter hides and shows lines without samples', async (ctx) => {
  const page = ctx.app;
  await page.click('#btn-cold');
  assert.strictEqual((await rowInfo(page, 1)).visible, false);
  assert.strictEqual((await rowInfo(page, 16)).visible, true);
  /* Sampled lines stay, and so do def lines that lead to their callers. */
  const shown = await page.$$eval('#code .ln', (rs) => rs.filter((r) => r.offsetParent !== null).map((r) => Number(r.dataset.n)));
  assert.deepStrictEqual(shown, [13, 15, 16, 20, 22, 23, 26, 29, 30, 31, 35]);
  await page.screenshot({ path: path.join(OUT, 'heatmap_hot_only.png') });
  await page.click('#btn-cold');
  assert.strictEqual((await rowInfo(page, 1)).visible, true);
});

test('minimap paints the heat of the file', async (ctx) => {
  const page = ctx.app;
  const painted = await page.evaluate(() => {
    const c = document.getElementById('minimap');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(painted > 50, `minimap pixels painted: ${painted}`);
});

test('navigation to a caller in another file and back', async (ctx) => {
  const page = ctx.app;
  /* checksum's def line (13, itself never sampled) has one caller: digest in helpers.py. */
  const up = page.locator('#line-13 .nav-caller');
  assert.strictEqual(await up.getAttribute('title'), 'Go to caller: digest (700 samples)');
  await up.click();
  await waitForUrl(page, 'file_0001.html#line-7');
  const there = await rowInfo(page, 7);
  assert.ok(there.target && there.inView, 'the caller line is targeted and in view');
  assert.strictEqual(there.total, '700');
  /* ...and its callee button leads back. */
  await page.click('#line-7 .nav-callee');
  await waitForUrl(page, 'file_0000.html#line-13');
  await page.goBack();
  await waitForUrl(page, 'file_0001.html#line-7');
  await page.goBack();
  await waitForUrl(page, 'file_0000.html');
  assert.deepStrictEqual(page.problems, []);
});

test('a line calling several functions opens a menu with their counts', async (ctx) => {
  const page = ctx.app;
  await page.click('#line-35 .nav-callee');
  await page.waitForSelector('#nav-menu:not([hidden])');
  const items = await page.$$eval('#nav-menu a', (as) => as.map((a) => [a.querySelector('.fn').textContent, a.querySelector('.n').textContent, a.getAttribute('href')]));
  assert.deepStrictEqual(items.map((i) => i[0]), ['main', 'vanish', 'moved']);
  assert.deepStrictEqual(items.map((i) => i[1]), ['1,000', '30', '10']);
  assert.strictEqual(items[0][2], 'file_0000.html#line-26');
  await page.screenshot({ path: path.join(OUT, 'heatmap_menu.png') });
  await page.keyboard.press('Escape');
  assert.strictEqual(await page.isHidden('#nav-menu'), true);
  await page.click('#line-35 .nav-callee');
  await page.click('#nav-menu a >> nth=0');
  await page.waitForFunction(() => location.hash === '#line-26');
  assert.ok((await rowInfo(page, 26)).target);
});

test('#line-N links open on the line and line numbers make them', async (ctx) => {
  const page = await open(ctx, pageOf(ctx, 0) + '#line-16');
  const r = await rowInfo(page, 16);
  assert.ok(r.target && r.inView, 'line 16 targeted and in view');
  await page.click('#line-22', { position: { x: 12, y: 6 } });
  assert.strictEqual(await page.evaluate(() => location.hash), '#line-22');
  await page.click('#line-21', { position: { x: 600, y: 6 } });
  assert.strictEqual(await page.evaluate(() => location.hash), '#line-22');
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('bytecode panel shows instructions, specialized names and share', async (ctx) => {
  const page = ctx.app;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.click('#line-16 .bc-toggle');
  const panel = page.locator('#line-16 + .bytecode');
  await panel.waitFor();
  const rows = await panel.locator('tr').evaluateAll((trs) => trs.slice(1).map((tr) => Array.from(tr.cells).map((c) => c.textContent)));
  assert.deepStrictEqual(rows, [['BINARY_OP_MULTIPLY_INT', 'BINARY_OP', '300', '50.0%'],
    ['BINARY_OP', '\u2014', '200', '33.3%'], ['STORE_FAST', '\u2014', '100', '16.7%']]);
  assert.ok((await panel.locator('.summary').textContent()).includes('50% specialized'));
  await page.locator('#line-16').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'heatmap_bytecode.png') });
  await page.click('#line-16 .bc-toggle');
  assert.strictEqual(await page.locator('.bytecode').count(), 0);
  await page.click('#btn-bytecode');
  assert.strictEqual(await page.locator('.bytecode').count(), 2, 'lines 15 and 16');
  await page.click('#btn-bytecode');
  assert.strictEqual(await page.locator('.bytecode').count(), 0);
});

test('theme switch is kept across pages', async (ctx) => {
  const page = ctx.app;
  const before = await page.getAttribute('html', 'data-theme');
  await page.click('#btn-theme');
  const other = before === 'dark' ? 'light' : 'dark';
  const again = await open(ctx, path.join(ctx.dir, 'index.html'));
  assert.strictEqual(await again.getAttribute('html', 'data-theme'), other);
  await again.close();
  await page.click('#btn-theme');
});

test('missing and changed sources are listed with a note', async (ctx) => {
  const gone = await open(ctx, pageOf(ctx, 2));
  assert.ok((await gone.textContent('#note')).startsWith('Source not available: /nonexistent/gone.py'));
  assert.strictEqual((await rowInfo(gone, 5)).self, '30');
  assert.deepStrictEqual(gone.problems, []);
  await gone.close();
  const changed = await open(ctx, pageOf(ctx, 3));
  assert.ok((await changed.textContent('#note')).startsWith('Source changed: line 40'));
  assert.deepStrictEqual(changed.problems, []);
  await changed.close();
});

test('hostile contents and names are shown as text; a 50,000-line file loads', async (ctx) => {
  const { dir, file } = hostileReport();
  const index = await open(ctx, path.join(dir, 'index.html'));
  assert.strictEqual(await index.evaluate(() => window.pwned), undefined);
  assert.ok((await index.textContent('#tree')).includes(path.basename(file)));
  await index.close();
  const t0 = Date.now();
  const page = await open(ctx, path.join(dir, 'file_0000.html'));
  const loaded = Date.now() - t0;
  assert.strictEqual(await page.evaluate(() => window.pwned), undefined);
  assert.strictEqual((await rowInfo(page, 1)).text, '</script><script>window.pwned=1</script>');
  assert.strictEqual((await rowInfo(page, 2)).text, '<img src=x onerror="window.pwned=2">');
  assert.strictEqual((await rowInfo(page, 3)).text, "greeting = '\u65e5\u672c\u8a9e \u03c0 caf\u00e9'");
  assert.ok((await rowInfo(page, 4)).text.length > 20000, 'the long line is shown');
  assert.strictEqual(await page.textContent('#path'), file);
  assert.strictEqual((await page.evaluate(() => window.tachyonHeatmap.state())).rows, 50000);
  /* A click low on the minimap jumps near the end of the file. */
  const box = await page.locator('#minimap').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.95);
  await page.waitForFunction(() => {
    const r = document.getElementById('line-47500').getBoundingClientRect();
    return Math.abs(r.top) < 2 * window.innerHeight;
  });
  await page.goto('file://' + path.join(dir, 'file_0000.html') + '#line-49990');
  await page.waitForFunction(ready);
  const far = await rowInfo(page, 49990);
  assert.ok(far.target && far.inView, 'a line near the end of a 50,000-line file is reached');
  await page.screenshot({ path: path.join(OUT, 'heatmap_hostile.png') });
  assert.deepStrictEqual(page.problems, []);
  await page.close();
  return `50,000-line page ready ${loaded} ms after navigation`;
});

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dir = fixtureReport();
  const browser = await harness.openBrowser(args.chromium, OUT);
  const ctx = { context: browser.context, dir, app: null };
  let failed = 0;
  try {
    ctx.app = await open(ctx, pageOf(ctx, 0));
    failed = await harness.runTests(tests, ctx);
    assert.deepStrictEqual(ctx.app.problems, []);
  } finally {
    await browser.close();
  }
  console.log(`${tests.length - failed}/${tests.length} passed; screenshots in ${OUT}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
