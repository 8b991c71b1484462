// The web console in a real browser (Debian's chromium, driven by playwright-core):
// the published stream shows in the list, the HTTP-FLV and HLS players decode
// frames, the kick button removes a client (checked with the API), and a
// screenshot of the console is saved. run.sh starts the server, the publisher
// and the player to kick, then this; any failed check exits non-zero.
//
// Environment: CONSOLE_URL (http://127.0.0.1:PORT/), API_URL (http://127.0.0.1:PORT),
// SHOT (screenshot path), optional AUTH_URL (a server with http_api { auth }),
// CHROMIUM (default /usr/bin/chromium), STREAM (default livestream).
import { chromium } from 'playwright-core';

const consoleUrl = must('CONSOLE_URL');
const apiUrl = must('API_URL');
const shot = must('SHOT');
const stream = process.env.STREAM || 'livestream';
const streamKey = `__defaultVhost__/live/${stream}`;
const started = Date.now();

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

let passed = 0; // checks passed, for the closing "N passed, N failed" line
const log = (msg) => console.log(`[browser-test ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `every` ms until it returns a truthy value or `ms` pass. */
async function until(what, ms, probe, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms / 1000} s: ${what}`);
}

async function apiClients() {
  const res = await fetch(`${apiUrl}/api/v1/clients`);
  const body = await res.json();
  if (body.code !== 0) throw new Error(`API clients: code ${body.code}`);
  return body.clients;
}

/** playing, current frames and time of a player's <video>. */
const videoState = (page, which) => page.$eval(`video[data-player="${which}"]`, (v) => ({
  frames: v.getVideoPlaybackQuality().totalVideoFrames,
  paused: v.paused,
  readyState: v.readyState,
  time: v.currentTime,
  error: v.error && v.error.message,
  state: document.getElementById(`${v.dataset.player}-state`).textContent,
}));

/** The player reaches playing, and its decoded frame count grows over 2 s. */
async function checkPlaying(page, which, ms) {
  const t0 = Date.now();
  const first = await until(`${which} playing with decoded frames`, ms, async () => {
    const s = await videoState(page, which);
    return !s.paused && s.readyState >= 2 && s.frames > 0 ? s : null;
  }, 500);
  const after = Date.now();
  await sleep(2000);
  const second = await videoState(page, which);
  const grown = second.frames - first.frames;
  log(`${which}: playing after ${((after - t0) / 1000).toFixed(1)} s, frames ${first.frames} -> ${second.frames} in 2 s, time ${first.time.toFixed(1)} -> ${second.time.toFixed(1)} s ("${second.state}")`);
  if (second.paused || grown < 10) {
    throw new Error(`${which}: frames did not advance (${JSON.stringify(first)} -> ${JSON.stringify(second)})`);
  }
  passed++;
  return { frames: second.frames, grown };
}

async function mainTest(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') log(`page console error: ${m.text()}`); });

  const opened = Date.now();
  await page.goto(consoleUrl);
  await page.waitForSelector(`button[data-stream="${streamKey}"]:not([disabled])`, { timeout: 5000 })
    .catch(() => { throw new Error(`the stream ${streamKey} did not appear in the list within 5 s`); });
  passed++;
  log(`stream listed ${((Date.now() - opened) / 1000).toFixed(1)} s after the page opened`);
  const row = await page.$eval(`button[data-stream="${streamKey}"]`, (b) => b.closest('tr').innerText);
  log(`stream row: ${row.replace(/\s+/g, ' ')}`);

  await page.click(`button[data-stream="${streamKey}"]`);
  const flv = await checkPlaying(page, 'flv', 20000);
  const hls = await checkPlaying(page, 'hls', 60000);

  // The player to kick: ffmpeg playing RTMP, started by run.sh.
  const victim = await until('an RTMP player in the API', 10000, async () =>
    (await apiClients()).find((c) => c.type === 'Play'));
  const kick = `button[data-client-id="${victim.id}"]`;
  await page.waitForSelector(kick, { timeout: 5000 });
  // Let the chart gather a few points, then the screenshot (players running, kick button shown).
  await sleep(4000);
  await page.screenshot({ path: shot, fullPage: true });
  log(`screenshot saved to ${shot}`);

  await page.click(kick); // arms the button
  await page.click(kick); // kicks
  await until(`client ${victim.id} gone from the API`, 5000, async () =>
    !(await apiClients()).some((c) => c.id === victim.id));
  await page.waitForSelector(`tr[data-client-id="${victim.id}"]`, { state: 'detached', timeout: 5000 });
  passed++;
  log(`kick: client ${victim.id} (${victim.type} ${victim.url}) is gone from the API and the page`);

  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
  passed++; // no script error in the page
  await page.close();
  return { flv, hls };
}

/** With http_api { auth }, the console shows its login form and signs in. */
async function authTest(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])', { timeout: 5000 });
  await page.fill('#login-user', 'admin');
  await page.fill('#login-pass', 'wrong');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 5000 });
  await page.fill('#login-pass', 's3cret');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login', { state: 'hidden', timeout: 5000 });
  const version = await until('the version after signing in', 5000,
    () => page.$eval('#s-version', (e) => (e.textContent !== '–' ? e.textContent : null)));
  passed++;
  log(`auth: login form shown, wrong password refused, signed in (version ${version})`);
  await page.close();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // As root in CI: no sandbox; no background traffic to hosts this machine cannot reach.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
});
let failed = false;
try {
  log(`chromium ${browser.version()}`);
  await mainTest(browser);
  if (process.env.AUTH_URL) await authTest(browser, process.env.AUTH_URL);
  log('all checks passed');
} catch (e) {
  failed = true;
  console.error(`[browser-test] FAILED: ${e.message}`);
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
