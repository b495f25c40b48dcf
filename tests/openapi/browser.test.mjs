// /docs in a real browser: Debian's Chromium, headless, driven by puppeteer-core. The page
// loads from agentd alone (any request to another host fails the test), lists the routes of
// every dialect, takes a key in "Authorize", and runs GET /api/external/credits through
// "Try it out" to a 200 with the balance. A screenshot is left as docs.png beside the test.
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { startAgentd } from './agentd_child.mjs';

const agentd = await startAgentd(process.argv[2], 'openapi-browser');
const origin = `http://127.0.0.1:${agentd.port}`;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1600 });
  const outside = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url().startsWith(origin) || req.url().startsWith('data:')) return req.continue();
    outside.push(req.url());
    return req.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${origin}/docs`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('.opblock-tag', { timeout: 20000 });
  const tags = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag')));
  for (const tag of ['External API', 'Agents API', 'Workspace API']) assert.ok(tags.includes(tag), `no ${tag} section: ${tags}`);

  // Authorize with the key (the ApiKey scheme: X-API-Key).
  await page.click('.auth-wrapper .authorize');
  await page.waitForSelector('.modal-ux .auth-container');
  const containers = await page.$$('.modal-ux .auth-container');
  let authorized = false;
  for (const c of containers) {
    const title = await c.$eval('h4', (h) => h.textContent);
    if (!title.includes('ApiKey')) continue;
    await (await c.$('input')).type(agentd.key);
    await (await c.$('button.authorize')).click();
    authorized = true;
    break;
  }
  assert.ok(authorized, 'no ApiKey form in the Authorize dialog');
  await page.click('.modal-ux .close-modal');

  // GET /api/external/credits: open it, Try it out, Execute.
  await page.click('.opblock-tag[data-tag="External API"]');
  const op = '#operations-External_API-get_api_external_credits';
  await page.waitForSelector(op);
  await page.click(`${op} .opblock-summary`);
  await page.waitForSelector(`${op} .execute`, { timeout: 10000 }).catch(async () => {
    await page.click(`${op} .try-out__btn`);
    await page.waitForSelector(`${op} .execute`);
  });
  await page.click(`${op} .execute`);
  await page.waitForSelector(`${op} .live-responses-table .response .response-col_status`, { timeout: 20000 });
  const status = await page.$eval(`${op} .live-responses-table .response .response-col_status`, (e) => e.textContent.trim());
  const body = await page.$eval(`${op} .live-responses-table .response .response-col_description pre`, (e) => e.textContent);
  await page.screenshot({ path: 'docs.png', fullPage: false });
  assert.equal(status, '200', `Try it out answered ${status}: ${body}`);
  assert.match(body, /"balance"/);
  assert.deepEqual(outside, [], 'the page asked another host');
  assert.deepEqual(errors, [], 'the page threw');
  console.log(`ok: ${tags.length} sections, GET /api/external/credits -> ${status} through Try it out; screenshot docs.png`);
} finally {
  await browser.close();
  agentd.stop();
}
