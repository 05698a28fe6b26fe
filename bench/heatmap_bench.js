#!/usr/bin/env node
/* Browser half of the heatmap benchmark (driven by heatmap_bench.sh): opens
 * a report's index and its largest file pages in headless Chromium, offline,
 * and prints how long each took from navigation until its script was done
 * (median of three loads).
 * Usage: node heatmap_bench.js REPORT_DIR [CHROMIUM] */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const harness = require('../tests/browser/harness.js');

async function timeLoad(context, file) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const page = await harness.watch(await context.newPage());
    const t0 = Date.now();
    await page.goto('file://' + file);
    await page.waitForFunction(() => window.tachyonHeatmap && window.tachyonHeatmap.readyAt > 0);
    const wall = Date.now() - t0;
    const inPage = await page.evaluate(() => window.tachyonHeatmap.readyAt);
    if (page.problems.length) throw new Error(file + ': ' + page.problems.join('; '));
    runs.push([wall, inPage]);
    await page.close();
  }
  runs.sort((a, b) => a[0] - b[0]);
  return runs[1];
}

async function main() {
  const dir = path.resolve(process.argv[2]);
  const exe = process.argv[3] || process.env.CHROMIUM || '/usr/bin/chromium';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-bench-'));
  const browser = await harness.openBrowser(exe, scratch);
  try {
    const pages = fs.readdirSync(dir).filter((f) => f.startsWith('file_'))
      .map((f) => [f, fs.statSync(path.join(dir, f)).size]).sort((a, b) => b[1] - a[1]);
    const targets = [['index.html', fs.statSync(path.join(dir, 'index.html')).size], pages[0], ['file_0000.html',
      fs.statSync(path.join(dir, 'file_0000.html')).size]];
    console.log('== Chromium, offline: navigation until the page script is done (median of 3)');
    for (const [name, size] of targets) {
      const [wall, inPage] = await timeLoad(browser.context, path.join(dir, name));
      console.log(`   ${name.padEnd(16)} ${(size / 1024).toFixed(0).padStart(6)} KiB: ${String(wall).padStart(5)} ms ` +
        `(script done ${inPage.toFixed(0)} ms after navigation start)`);
    }
  } finally {
    await browser.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
