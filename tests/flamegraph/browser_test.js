#!/usr/bin/env node
/* Browser tests of the flame graph report: real reports written by the
 * plugin through tachyon_feed, opened in headless Chromium with the network
 * off. Run by ../browser/run_browser.sh (which skips when Chromium is absent).
 *
 *   node browser_test.js --feed PATH --plugin-dir DIR --out DIR --chromium PATH
 *                        [--tachyon PATH] [--python PATH]
 *
 * Screenshots and the exported SVG are left in --out for a human to look at. */
'use strict';
const assert = require('assert');
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const harness = require('../browser/harness.js');

const args = harness.parseArgs(['feed', 'plugin-dir', 'out', 'chromium']);
const OUT = path.resolve(args.out);
const FIXTURES = path.join(__dirname, 'fixtures');
const WORKLOAD = path.join(FIXTURES, 'workload.py');

/* ---- Reports ---- */

function feed(stackFile, html, extra) {
  const argv = ['--plugin-dir', args['plugin-dir'], '--format', 'flamegraph', '-o', html].concat(extra || []);
  argv.push(stackFile);
  childProcess.execFileSync(args.feed, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  assert.ok(fs.existsSync(html), 'report written: ' + html);
  return html;
}

function fixtureReport() {
  const text = fs.readFileSync(path.join(FIXTURES, 'workload.stacks'), 'utf8')
    .split('@WORKLOAD@').join(WORKLOAD)
    .split('@THREADING@').join('/nonexistent/threading.py');
  const stacks = path.join(OUT, 'workload.stacks');
  fs.writeFileSync(stacks, text);
  return feed(stacks, path.join(OUT, 'fixture.html'), ['--opcodes', '--interval', '1000', '--pid', '4242']);
}

/* Names taken from the profiled program must stay text. */
function hostileReport() {
  const evil = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2">';
  const stacks = path.join(OUT, 'hostile.stacks');
  fs.writeFileSync(stacks, '1 0x3 10 100 evil.py|' + evil + '|1;evil.py|inner &lt <b>|2\n' +
    '1 0x3 5 200 evil.py|' + evil + '|1\n');
  return { html: feed(stacks, path.join(OUT, 'hostile.html')), evil };
}

function bigReport() {
  const html = path.join(OUT, 'big.html');
  childProcess.execFileSync(args.feed, ['--plugin-dir', args['plugin-dir'], '--format', 'flamegraph', '-o', html,
    '--plugin-opt', 'flamegraph.min_percent=0', '--generate', '1000000,50000,40,1'],
  { stdio: ['ignore', 'inherit', 'inherit'] });
  return html;
}

/* ---- Browser ---- */

/* A page whose errors and network attempts are recorded. */
function openReport(context, html) {
  return harness.openPage(context, html, () => window.tachyonFlamegraph && window.tachyonFlamegraph.readyAt > 0);
}

const fg = (page) => page.evaluate(() => window.tachyonFlamegraph.state());
const rects = (page) => page.evaluate(() => window.tachyonFlamegraph.rects());
async function rectOf(page, name) {
  const all = (await rects(page)).filter((r) => r.name === name);
  return all.length ? all[0] : null;
}
async function share(page, name) {
  const st = await fg(page);
  const r = await rectOf(page, name);
  return r ? r.w / st.width : 0;
}
function near(actual, expected, tol, what) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

/* The colour actually painted at the middle of a rectangle's top edge (the
 * label sits at mid-height), as [r, g, b, a]. */
async function pixel(page, r) {
  return page.evaluate(({ x, y }) => {
    const c = document.getElementById('flame');
    const dpr = window.devicePixelRatio || 1;
    return Array.from(c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data);
  }, { x: r.x + r.w - 4, y: r.y + 2 });
}

async function cssColor(page, name) {
  return page.evaluate((n) => {
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue(n).trim();
    probe.fillRect(0, 0, 1, 1);
    return Array.from(probe.getImageData(0, 0, 1, 1).data);
  }, name);
}

async function hover(page, r) {
  const box = await page.locator('#flame').boundingBox();
  await page.mouse.move(box.x + r.x + r.w / 2, box.y + r.y + r.h / 2);
  await page.waitForSelector('#tooltip:not([hidden])');
}

async function clickRect(page, r) {
  const box = await page.locator('#flame').boundingBox();
  await page.mouse.click(box.x + r.x + r.w / 2, box.y + r.y + r.h / 2);
}

async function search(page, text, expect) {
  await page.fill('#search', text);
  await page.waitForFunction(([q, e]) => window.tachyonFlamegraph.state().query === q &&
    document.getElementById('search-result').textContent.includes(e), [text, expect]);
  return page.textContent('#search-result');
}

async function statBar(page, name) {
  return page.textContent(`#thread-stats [data-stat="${name}"] .bar-value`);
}

/* ---- Tests ---- */

const tests = [];
function test(name, fn) { tests.push({ name, fn }); }

test('report loads with no errors and no network access', async (ctx) => {
  const page = ctx.page;
  const st = await fg(page);
  assert.strictEqual(st.total, 1000);
  assert.strictEqual(await page.textContent('#stat-samples'), '1,000');
  assert.ok((await rects(page)).length >= 10, 'rectangles drawn');
  assert.deepStrictEqual(page.problems, []);
});

test('hot function is drawn with its share and explained by the tooltip', async (ctx) => {
  const page = ctx.page;
  near(await share(page, 'hot_loop'), 0.5, 0.003, 'hot_loop width share');
  near(await share(page, 'compute'), 0.6, 0.003, 'compute width share');
  const hot = await rectOf(page, 'hot_loop');
  const painted = await pixel(page, hot);
  const background = await cssColor(page, '--panel');
  assert.notDeepStrictEqual(painted.slice(0, 3), background.slice(0, 3), 'hot_loop is painted on the canvas');
  await hover(page, hot);
  const tip = await page.textContent('#tooltip');
  for (const want of ['hot_loop', 'workload.py:15', '500', '50.0%', 'Estimated time', '500.0 ms',
    'total += i * i', 'BINARY_OP_ADD_INT', '\u2190 BINARY_OP', 'BINARY_OP_MULTIPLY_INT', 'STORE_FAST']) {
    assert.ok(tip.includes(want), `tooltip lacks ${JSON.stringify(want)}: ${tip}`);
  }
  await page.screenshot({ path: path.join(OUT, 'flamegraph_tooltip.png') });
  await page.mouse.move(1, 1);
});

test('sidebar shows thread statistics, efficiency and hotspots', async (ctx) => {
  const page = ctx.page;
  assert.strictEqual(await statBar(page, 'GIL held'), '85.0%');
  assert.strictEqual(await statBar(page, 'GIL released'), '15.0%');
  assert.strictEqual(await statBar(page, 'Waiting for GIL'), '3.0%');
  assert.strictEqual(await statBar(page, 'Garbage collection'), '5.0%');
  assert.strictEqual(await statBar(page, 'On CPU'), '80.0%');
  const eff = await page.textContent('#efficiency');
  assert.ok(eff.includes('Efficiency100%') && eff.includes('Missed samples0%'), eff);
  const first = await page.textContent('#hotspots li:first-child');
  assert.ok(first.includes('hot_loop') && first.includes('workload.py:15') && first.includes('50.0%'), first);
});

test('search highlights matches and reports their share', async (ctx) => {
  const page = ctx.page;
  const text = await search(page, 'hot_loop', '%');
  assert.ok(text.startsWith('50.0% of samples'), text);
  const matched = (await rects(page)).filter((r) => r.matched).map((r) => r.name);
  assert.deepStrictEqual(matched, ['hot_loop']);
  assert.deepStrictEqual(await pixel(page, await rectOf(page, 'hot_loop')), await cssColor(page, '--match'),
    'the match is painted in the highlight colour');
  assert.ok((await search(page, 'workload.py:22', '%')).startsWith('60.0% of samples'), 'file:line search');
  /* main appears twice (lines 49 and 50); nested matches count once. */
  assert.ok((await search(page, 'MAIN', '%')).startsWith('80.0% of samples (2 frames)'), 'case-insensitive');
  await search(page, 'no_such_function', 'No match');
  await page.screenshot({ path: path.join(OUT, 'flamegraph_nomatch.png') });
  await search(page, 'hot_loop', '%');
});

test('thread filter changes the totals', async (ctx) => {
  const page = ctx.page;
  const options = await page.$$eval('#thread-filter option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.strictEqual(options.length, 3);
  const main = options.find((o) => o[1].includes('[main]'));
  const worker = options.find((o) => o[0] !== '0' && o !== main);
  await page.selectOption('#thread-filter', main[0]);
  assert.strictEqual(await page.textContent('#stat-samples'), '800');
  near(await share(page, 'hot_loop'), 0.625, 0.003, 'hot_loop share of the main thread');
  assert.ok((await page.textContent('#search-result')).startsWith('62.5% of samples'), 'search follows the filter');
  assert.strictEqual(await statBar(page, 'GIL held'), '100%');
  await page.selectOption('#thread-filter', worker[0]);
  assert.strictEqual(await page.textContent('#stat-samples'), '200');
  assert.strictEqual(await rectOf(page, 'hot_loop'), null);
  assert.strictEqual(await statBar(page, 'GIL held'), '25.0%');
  assert.strictEqual(await statBar(page, 'Waiting for GIL'), '15.0%');
  assert.strictEqual(await page.textContent('#search-result'), 'No match');
  await page.selectOption('#thread-filter', '0');
  assert.strictEqual(await page.textContent('#stat-samples'), '1,000');
  await search(page, '', '');
});

test('click zooms in, and reset, breadcrumbs and Escape go back', async (ctx) => {
  const page = ctx.page;
  await clickRect(page, await rectOf(page, 'compute'));
  let st = await fg(page);
  assert.notStrictEqual(st.zoom, 0);
  const compute = await rectOf(page, 'compute');
  near(compute.w / st.width, 1, 0.001, 'zoomed frame spans the width');
  near(await share(page, 'hot_loop'), 500 / 600, 0.003, 'hot_loop share inside compute');
  assert.strictEqual(await rectOf(page, 'tokenize'), null, 'siblings are out of view');
  assert.ok((await page.textContent('#breadcrumbs')).includes('compute'));
  await page.screenshot({ path: path.join(OUT, 'flamegraph_zoomed.png') });
  await page.click('#btn-reset');
  st = await fg(page);
  assert.strictEqual(st.zoom, 0);
  near(await share(page, 'hot_loop'), 0.5, 0.003, 'hot_loop share after reset');
  await clickRect(page, await rectOf(page, 'hot_loop'));
  await page.keyboard.press('Escape');
  assert.ok((await page.textContent('#breadcrumbs')).endsWith('compute'), 'Escape steps out one level');
  await page.click('#breadcrumbs button:first-child');
  assert.strictEqual((await fg(page)).zoom, 0);
});

test('icicle toggle puts the root on top', async (ctx) => {
  const page = ctx.page;
  const rootBefore = (await rects(page)).find((r) => r.node === 0);
  const st = await fg(page);
  assert.strictEqual(rootBefore.y, st.height - rootBefore.h);
  await page.click('#btn-invert');
  const rootAfter = (await rects(page)).find((r) => r.node === 0);
  assert.strictEqual(rootAfter.y, 0);
  assert.strictEqual(await page.getAttribute('#btn-invert', 'aria-pressed'), 'true');
  await page.click('#btn-invert');
});

test('SVG export saves the current view', async (ctx) => {
  const page = ctx.page;
  await search(page, 'hot_loop', '%');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-export')]);
  const file = path.join(OUT, 'flamegraph_export.svg');
  await download.saveAs(file);
  const svg = fs.readFileSync(file, 'utf8');
  assert.ok(svg.startsWith('<svg'), 'an SVG document');
  const check = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.getElementsByTagName('parsererror').length,
      rects: doc.querySelectorAll('g.frame rect').length,
      labels: Array.from(doc.querySelectorAll('text')).map((t) => t.textContent)
    };
  }, svg);
  assert.strictEqual(check.error, 0, 'well-formed XML');
  assert.strictEqual(check.rects, (await rects(page)).length, 'one rectangle per drawn frame');
  assert.ok(check.labels.includes('hot_loop'), 'labels exported');
  await search(page, '', '');
});

test('theme switch is kept across sessions', async (ctx) => {
  const page = ctx.page;
  const before = (await fg(page)).theme;
  const other = before === 'dark' ? 'light' : 'dark';
  await page.click('#btn-theme');
  assert.strictEqual((await fg(page)).theme, other);
  const again = await openReport(ctx.context, ctx.fixture);
  assert.strictEqual((await fg(again)).theme, other, 'theme restored from localStorage');
  await search(again, 'hot_loop', '%');
  await hover(again, await rectOf(again, 'hot_loop'));
  await again.screenshot({ path: path.join(OUT, `flamegraph_${other}.png`) });
  assert.deepStrictEqual(again.problems, []);
  await again.close();
  await page.click('#btn-theme');
  assert.strictEqual((await fg(page)).theme, before);
});

test('names from the profiled program are shown as text, never run', async (ctx) => {
  const { html, evil } = hostileReport();
  const page = await openReport(ctx.context, html);
  assert.strictEqual(await page.evaluate(() => window.pwned), undefined);
  const r = await rectOf(page, evil);
  assert.ok(r, 'the hostile name is a frame');
  await hover(page, r);
  assert.ok((await page.textContent('#tooltip')).includes(evil));
  assert.ok((await page.textContent('#hotspots')).includes('inner &lt <b>'));
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('very deep stacks stay within the canvas limits', async (ctx) => {
  const frames = ['deep.py|main|1'];
  for (let i = 0; i < 3000; i++) frames.push('deep.py|recurse|' + (2 + (i % 2)));
  const stacks = path.join(OUT, 'deep.stacks');
  fs.writeFileSync(stacks, '1 0x3 10 100 ' + frames.join(';') + '\n1 0x3 10 200 deep.py|main|1;deep.py|leaf|9\n');
  const page = await openReport(ctx.context, feed(stacks, path.join(OUT, 'deep.html')));
  const st = await fg(page);
  const dims = await page.evaluate(() => {
    const c = document.getElementById('flame');
    return [c.width, c.height];
  });
  assert.ok(dims[1] > 0 && dims[1] <= 32000, `canvas height ${dims[1]}`);
  assert.ok(st.height * (await page.evaluate(() => window.devicePixelRatio)) <= 32000);
  near(await share(page, 'leaf'), 0.5, 0.003, 'leaf share');
  /* The root row is scrolled into view. */
  const root = (await rects(page)).find((r) => r.node === 0);
  const visible = await page.evaluate((y) => {
    const w = document.getElementById('canvas-wrap');
    return y >= w.scrollTop && y < w.scrollTop + w.clientHeight;
  }, root.y);
  assert.ok(visible, 'root row visible');
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('a million samples over 50,000 nodes open quickly and stay responsive', async (ctx) => {
  const html = bigReport();
  const page = await openReport(ctx.context, html);
  const st = await fg(page);
  const ready = await page.evaluate(() => window.tachyonFlamegraph.readyAt);
  console.log(`    big report: ${(fs.statSync(html).size / 1048576).toFixed(1)} MiB, ${st.nodes} nodes, ` +
    `first drawing ${ready.toFixed(0)} ms after navigation`);
  assert.strictEqual(st.nodes, 50000);
  assert.strictEqual(st.total, 1000000);
  /* The goal is 2 s (see bench/flamegraph_bench.sh); the bound here is loose
   * because this machine is shared with builds. */
  assert.ok(ready < 8000, `first drawing after ${ready} ms`);
  const t0 = Date.now();
  await search(page, 'func_7', '%');
  await page.selectOption('#thread-filter', '2');
  await clickRect(page, (await rects(page)).find((r) => r.node !== 0 && r.w > 50));
  console.log(`    search + thread switch + zoom: ${Date.now() - t0} ms`);
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('inverted view puts the running functions at the root', async (ctx) => {
  const page = ctx.page;
  const ROW = 18;
  const before = await rectOf(page, 'hot_loop');
  await page.click('#btn-callers');
  let st = await fg(page);
  assert.strictEqual(st.callers, true);
  assert.strictEqual(st.total, 1000, 'same samples, turned over');
  const hot = (await rects(page)).filter((r) => r.name === 'hot_loop');
  assert.strictEqual(hot.length, 1, 'one hot_loop frame, at the root');
  assert.strictEqual(hot[0].y, st.height - 2 * ROW, 'hot_loop sits right above the root');
  near(hot[0].w / st.width, 0.5, 0.003, 'hot_loop self share');
  /* Its caller compute is right above it, as wide (all of hot_loop's time). */
  const above = (await rects(page)).filter((r) => r.name === 'compute' && r.y === st.height - 3 * ROW);
  assert.strictEqual(above.length, 1, 'compute above hot_loop');
  near(above[0].w, hot[0].w, 0.5, 'compute above hot_loop carries its samples');
  /* wait_io (a leaf of the worker) is also a root child; <module> is never one. */
  assert.ok((await rects(page)).some((r) => r.name === 'wait_io' && r.y === st.height - 2 * ROW));
  assert.ok(!(await rects(page)).some((r) => r.name === '<module>' && r.y === st.height - 2 * ROW));
  const text = await search(page, 'hot_loop', '%');
  assert.ok(text.startsWith('50.0%'), text);
  await search(page, '', '');
  await page.click('#btn-callers');
  st = await fg(page);
  assert.strictEqual(st.callers, false);
  assert.strictEqual((await rectOf(page, 'hot_loop')).y, before.y, 'the call tree comes back');
  assert.deepStrictEqual(page.problems, []);
});

test('module names replace file paths', async (ctx) => {
  const page = ctx.page;
  await page.click('#btn-modules');
  assert.strictEqual((await fg(page)).modules, true);
  const hot = await rectOf(page, 'hot_loop');
  assert.match(hot.module, /(^|\.)workload$/, 'module of the workload file');
  assert.strictEqual(hot.text, `hot_loop (${hot.module})`);
  await hover(page, hot);
  const tip = await page.textContent('#tooltip');
  assert.ok(tip.includes(`${hot.module}:15`), `tooltip names the module: ${tip}`);
  assert.ok(!tip.includes('workload.py:15'), 'and not the file');
  await page.mouse.move(1, 1);
  const gc = await rectOf(page, '<GC>');
  assert.strictEqual(gc.text, '<GC>', 'synthetic frames keep their name');
  await page.click('#btn-modules');
  assert.strictEqual((await rectOf(page, 'hot_loop')).text, 'hot_loop');
  assert.deepStrictEqual(page.problems, []);
});

test('differential flame graph: the slowed function is the largest regression', async (ctx) => {
  /* fast 500 -> 500 samples, slow 500 -> 1000, gone 50 -> none: scaled by
   * totals (1500 / 1050), slow grows, fast shrinks, gone is elided. */
  const base = path.join(OUT, 'diff_base.stacks'), cur = path.join(OUT, 'diff_cur.stacks');
  fs.writeFileSync(base, '1 0x3 500 100 app.py|<module>|1;app.py|main|5;app.py|fast|10\n' +
    '1 0x3 500 200 app.py|<module>|1;app.py|main|6;app.py|slow|20\n' +
    '1 0x3 50 300 app.py|<module>|1;app.py|main|7;app.py|gone|30\n');
  fs.writeFileSync(cur, '1 0x3 500 100 app.py|<module>|1;app.py|main|5;app.py|fast|10\n' +
    '1 0x3 1000 200 app.py|<module>|1;app.py|main|6;app.py|slow|21\n');
  const bin = path.join(OUT, 'diff_base.bin'), html = path.join(OUT, 'diff.html');
  childProcess.execFileSync(args.feed, ['--plugin-dir', args['plugin-dir'], '--format', 'binary', '-o', bin, base],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  childProcess.execFileSync(args.feed, ['--plugin-dir', args['plugin-dir'], '--format', 'diff_flamegraph',
    '--plugin-opt', 'flamegraph.baseline=' + bin, '-o', html, cur], { stdio: ['ignore', 'inherit', 'inherit'] });
  const page = await openReport(ctx.context, html);
  const d = await page.evaluate(() => window.tachyonFlamegraph.diff());
  assert.strictEqual(d.baselineSamples, 1050);
  assert.strictEqual(d.currentSamples, 1500);
  assert.strictEqual(d.elided, 1);
  assert.strictEqual(d.regressions[0].func, 'slow');
  near(d.regressions[0].diff, 1000 - 500 * 1500 / 1050, 0.5, 'slow grew');
  assert.strictEqual(d.improvements[0].func, 'fast');
  assert.ok(await page.isVisible('#diff-section'));
  assert.strictEqual(await page.textContent('#diff-elided-count'), '1');
  assert.ok((await page.textContent('#diff-elided')).includes('gone'));
  assert.ok((await page.textContent('#diff-regressions li')).includes('slow'));
  assert.ok((await page.title()).includes('differential'));
  const slow = await rectOf(page, 'slow'), fast = await rectOf(page, 'fast');
  near(slow.base, 500 * 1500 / 1050, 0.01, 'baseline of slow, scaled, matched across a line change');
  const ps = await pixel(page, slow), pf = await pixel(page, fast);
  assert.ok(ps[0] > ps[2] + 40, `slow is painted red: ${ps}`);
  assert.ok(pf[2] > pf[0] + 40, `fast is painted blue: ${pf}`);
  await hover(page, slow);
  const tip = await page.textContent('#tooltip');
  assert.ok(tip.includes('Baseline self') && tip.includes('+'), tip);
  await page.screenshot({ path: path.join(OUT, 'flamegraph_diff.png') });
  assert.deepStrictEqual(page.problems, []);
  await page.close();
});

test('live: a function made twice as slow is the largest regression', async (ctx) => {
  if (!args.tachyon || !fs.existsSync(args.tachyon)) return 'skipped: the tachyon executable is not built';
  const python = args.python || '/usr/bin/python3';
  const work = path.join(__dirname, '..', 'binary', 'workload.py');
  const base = path.join(OUT, 'live_base.bin'), html = path.join(OUT, 'live_diff.html');
  const plugins = ['--plugin', path.join(args['plugin-dir'], 'binary.so'), '--plugin',
    path.join(args['plugin-dir'], 'flamegraph.so')];
  for (const f of [base, html]) fs.rmSync(f, { force: true });
  const runs = [[...plugins, '--binary', '-o', base], [...plugins, '--diff-flamegraph', base, '-o', html]];
  for (const [i, extra] of runs.entries()) {
    const argv = ['run', '--python', python, '-r', '2khz', ...extra, work, 'diff', '1.5', i === 0 ? '1' : '2'];
    const res = childProcess.spawnSync(args.tachyon, argv, { encoding: 'utf8', timeout: 120000 });
    if (res.status !== 0) throw new Error(`tachyon ${argv.join(' ')} failed (${res.status}): ${res.stderr}`);
  }
  const page = await openReport(ctx.context, html);
  const d = await page.evaluate(() => window.tachyonFlamegraph.diff());
  assert.strictEqual(d.regressions[0].func, 'slow_part', JSON.stringify(d.regressions.slice(0, 3)));
  assert.ok(d.improvements.slice(0, 2).some((e) => e.func === 'fast_part'), JSON.stringify(d.improvements.slice(0, 3)));
  assert.deepStrictEqual(page.problems, []);
  await page.close();
  return `slow_part +${d.regressions[0].diff.toFixed(0)} samples`;
});

test('live: tachyon run --flamegraph profiles the workload', async (ctx) => {
  if (!args.tachyon || !fs.existsSync(args.tachyon)) return 'skipped: the tachyon executable is not built';
  const html = path.join(OUT, 'live.html');
  fs.rmSync(html, { force: true });
  const python = args.python || '/usr/bin/python3';
  const argv = ['run', '--python', python, '--plugin', path.join(args['plugin-dir'], 'flamegraph.so'),
    '--flamegraph', '-o', html, WORKLOAD];
  const res = childProcess.spawnSync(args.tachyon, argv, { encoding: 'utf8', timeout: 120000 });
  if (res.status !== 0) throw new Error(`tachyon ${argv.join(' ')} failed (${res.status}): ${res.stderr}`);
  const page = await openReport(ctx.context, html);
  const st = await fg(page);
  /* hot_loop may show up at two lines (the loop header and its body). */
  const hot = (await rects(page)).filter((r) => r.name === 'hot_loop');
  const drawn = hot.reduce((sum, r) => sum + r.w, 0) / st.width;
  assert.ok(drawn > 0.3, `hot_loop drawn over ${(100 * drawn).toFixed(1)}% of the width`);
  const text = await search(page, 'hot_loop', '%');
  near(parseFloat(text) / 100, drawn, 0.01, 'search share of hot_loop against its drawn width');
  assert.ok(await page.textContent('#summary').then((t) => t.includes(path.basename(WORKLOAD))), 'command shown');
  await page.screenshot({ path: path.join(OUT, 'flamegraph_live.png') });
  assert.deepStrictEqual(page.problems, []);
  await page.close();
  return `hot_loop ${text}`;
});

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const fixture = fixtureReport();
  const browser = await harness.openBrowser(args.chromium, OUT);
  const context = browser.context;
  const ctx = { context, fixture, page: null };
  let failed = 0;
  try {
    ctx.page = await openReport(context, fixture);
    failed = await harness.runTests(tests, ctx);
    await ctx.page.screenshot({ path: path.join(OUT, 'flamegraph.png'), fullPage: true });
    assert.deepStrictEqual(ctx.page.problems, []);
  } finally {
    await browser.close();
  }
  console.log(`${tests.length - failed}/${tests.length} passed; screenshots in ${OUT}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
