/* Shared by the browser tests of the HTML reports (tests/flamegraph,
 * tests/heatmap): command-line arguments, the Chromium driver, pages opened
 * with the network off and their errors recorded, and a small test runner.
 * The npm packages (package.json here) are installed by scripts/test-deps.sh. */
'use strict';
const fs = require('fs');
const path = require('path');

/* --key value pairs; the listed keys are required. */
function parseArgs(required) {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  for (const k of required) {
    if (!args[k]) { console.error('missing --' + k); process.exit(2); }
  }
  return args;
}

function loadPlaywright() {
  const tried = [];
  for (const d of [process.env.TACHYON_NODE_MODULES, path.join(__dirname, 'node_modules')]) {
    if (!d) continue;
    tried.push(d);
    try { return require(path.join(d, 'playwright-core')); } catch (e) { /* next */ }
  }
  console.error('playwright-core not found in ' + tried.join(', ') + ': run scripts/test-deps.sh');
  process.exit(1);
}

/* A headless Chromium with a throw-away profile under out. */
async function openBrowser(chromiumPath, out) {
  const { chromium } = loadPlaywright();
  const profile = fs.mkdtempSync(path.join(out, 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    offline: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
}

/* Record on page.problems every console error, page error and network
 * request other than file:, blob: and data: (which are aborted). */
async function watch(page) {
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push('console error: ' + m.text()); });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    page.problems.push('network request: ' + url);
    return route.abort();
  });
  return page;
}

/* Open a report file in a new watched page and wait until ready() holds. */
async function openPage(context, file, ready) {
  const page = await watch(await context.newPage());
  await page.goto('file://' + file);
  await page.waitForFunction(ready);
  return page;
}

/* Run tests [{name, fn}] in order with ctx; returns the number failed. */
async function runTests(tests, ctx) {
  let failed = 0;
  for (const t of tests) {
    const started = Date.now();
    try {
      const note = await t.fn(ctx);
      console.log(`ok   ${t.name} (${Date.now() - started} ms)${note ? ' - ' + note : ''}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${(e && e.stack) || e}`);
    }
  }
  return failed;
}

module.exports = { parseArgs, loadPlaywright, openBrowser, watch, openPage, runTests };
