#!/usr/bin/env node
/* Browser half of the flame graph benchmark (driven by flamegraph_bench.sh):
 * opens a report in headless Chromium, offline, and prints how long it took
 * to show the first drawing and how long common interactions take.
 * Usage: node flamegraph_bench.js REPORT.html [CHROMIUM] */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function loadPlaywright() {
  const dirs = [process.env.TACHYON_NODE_MODULES,
    path.join(__dirname, '..', 'tests', 'browser', 'node_modules')].filter(Boolean);
  for (const d of dirs) {
    try { return require(path.join(d, 'playwright-core')); } catch (e) { /* next */ }
  }
  throw new Error('playwright-core not found: run scripts/test-deps.sh');
}

async function main() {
  const report = path.resolve(process.argv[2]);
  const exe = process.argv[3] || process.env.CHROMIUM || '/usr/bin/chromium';
  const { chromium } = loadPlaywright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: exe, headless: true, offline: true, viewport: { width: 1600, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const t0 = Date.now();
    await page.goto('file://' + report);
    await page.waitForFunction(() => window.tachyonFlamegraph);
    const wall = Date.now() - t0;
    const inPage = await page.evaluate(() => window.tachyonFlamegraph.readyAt);
    const st = await page.evaluate(() => window.tachyonFlamegraph.state());
    const timings = await page.evaluate(async () => {
      const fg = window.tachyonFlamegraph;
      const out = {};
      const time = (fn) => { const t = performance.now(); fn(); return performance.now() - t; };
      const input = document.getElementById('search');
      /* Searching is debounced by 120 ms after the last keystroke; the
       * figure is the time until the result shows, minus that delay. */
      const result = document.getElementById('search-result');
      result.textContent = '';
      let t = performance.now();
      input.value = 'func_1';
      input.dispatchEvent(new Event('input'));
      while (!result.textContent) await new Promise((r) => setTimeout(r, 2));
      out.search_ms = performance.now() - t - 120;
      out.search_result = result.textContent;
      const sel = document.getElementById('thread-filter');
      out.thread_switch_ms = time(() => {
        sel.value = '1';
        sel.dispatchEvent(new Event('change'));
      });
      const r = fg.rects().filter((x) => x.w > 20 && x.node !== 0)[0];
      const canvas = document.getElementById('flame');
      const b = canvas.getBoundingClientRect();
      out.hover_ms = time(() => canvas.dispatchEvent(new MouseEvent('mousemove',
        { clientX: b.left + r.x + r.w / 2, clientY: b.top + r.y + 5, bubbles: true })));
      out.zoom_ms = time(() => canvas.dispatchEvent(new MouseEvent('click',
        { clientX: b.left + r.x + r.w / 2, clientY: b.top + r.y + 5, bubbles: true })));
      out.svg_ms = time(() => fg.svg());
      return out;
    });
    const size = fs.statSync(report).size;
    console.log(`report ${path.basename(report)}: ${(size / 1048576).toFixed(2)} MiB, ${st.nodes} nodes in the all-threads tree`);
    console.log(`  first drawing: ${inPage.toFixed(0)} ms after navigation start (driver wall clock ${wall} ms)`);
    for (const [k, v] of Object.entries(timings)) console.log(`  ${k}: ${typeof v === 'number' ? v.toFixed(1) : v}`);
    if (errors.length) {
      console.log('  page errors: ' + errors.join(' | '));
      process.exitCode = 1;
    }
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
