// Drives the reconciler's web console in Debian's headless Chromium:
// the broken servers are shown, the repair appears live without a reload,
// a server page shows its history and the reasons, no console errors, and
// a screenshot is written for the caller to check. Run by
// scripts/console-e2e.sh, which starts the daemon in dry-run on a fresh
// demo site and passes:
//   CONSOLE_URL   the console, e.g. http://127.0.0.1:PORT
//   POLICY_FILE   the daemon's policy: switched to enforce here
//   PROFILE_DIR   a fresh Chromium profile folder
//   SCREENSHOT    where to write the overview's screenshot
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const url = need('CONSOLE_URL');
const policyFile = need('POLICY_FILE');
const profile = need('PROFILE_DIR');
const shot = need('SCREENSHOT');
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function need(name) {
  const v = process.env[name];
  if (!v) { throw new Error(name + ' is not set'); }
  return v;
}

function check(ok, what) {
  if (!ok) { throw new Error('check failed: ' + what); }
  console.log('ok   ' + what);
}

async function main() {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: flags,
    viewport: { width: 1400, height: 1000 },
  });
  const errors = [];
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') { errors.push('console: ' + m.text()); } });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  let navigations = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) { navigations++; } });
  try {
    await run(page, () => navigations);
    check(errors.length === 0, 'no console errors (' + errors.join('; ') + ')');
  } finally {
    await ctx.close();
  }
}

async function run(page, navs) {
  await page.goto(url + '/', { waitUntil: 'load' });
  // Dry run: every pass shows the broken servers and repairs nothing.
  const broken = 'tr[data-key] td[data-cond="PackagesReady"].st-False';
  await page.waitForSelector(broken, { timeout: 60000 });
  const keys = await page.$$eval(broken, (tds) => tds.map((td) => td.closest('tr').dataset.key));
  check(keys.length >= 3, 'the broken servers are shown: ' + keys.join(', '));
  check(await page.isVisible('#live'), 'the page is live (event stream open)');
  await page.evaluate(() => { window.__sameDocument = true; });
  const before = navs();

  // Enforce: the daemon reloads its policy and repairs at the next passes.
  fs.writeFileSync(policyFile, fs.readFileSync(policyFile, 'utf8').replace('mode = "dry-run"', 'mode = "enforce"'));
  const repaired = await page.waitForFunction((ks) => {
    for (const k of ks) {
      const td = document.querySelector('tr[data-key="' + CSS.escape(k) + '"] td[data-cond="PackagesReady"]');
      if (td && td.classList.contains('st-True')) { return k; }
    }
    return false;
  }, keys, { timeout: 90000, polling: 250 }).then((h) => h.jsonValue());
  check(typeof repaired === 'string', 'the repair of ' + repaired + ' appeared live');
  check(navs() === before && await page.evaluate(() => window.__sameDocument === true),
    'without a reload (no navigation, same document)');

  // The repaired server's page: its history and why each action ran.
  await page.goto(url + '/servers/' + encodeURIComponent(repaired.toUpperCase()), { waitUntil: 'load' });
  const history = await page.$$eval('table.history tr', (trs) => trs.map((tr) => tr.innerText.replace(/\s+/g, ' ')));
  check(history.some((t) => /PackagesReady False → True/.test(t)), 'its condition history shows PackagesReady False → True');
  const actions = await page.$$eval('table.actions tr', (trs) => trs.map((tr) => tr.innerText.replace(/\s+/g, ' ')));
  check(actions.some((t) => /applied/.test(t)), 'its actions show one applied');
  const reasons = await page.$$eval('table.actions ul.reasons li', (lis) => lis.map((li) => li.textContent));
  check(reasons.length > 0 && reasons.every((r) => r.trim().length > 0), 'each action taken says why (' + reasons[0] + ')');

  await page.goto(url + '/', { waitUntil: 'load' });
  await page.waitForSelector('#live:not([hidden])', { timeout: 10000 });
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 20000, 'screenshot written to ' + shot);
}

main().catch((e) => { console.error('FAIL ' + e.message); process.exit(1); });
