// examples/tls.rs in Chromium. Over HTTPS (its throwaway self-signed certificate, hence
// ignoreHTTPSErrors) the browser speaks HTTP/2: one page's ten EventSources all receive events,
// and the chat works between two pages through the browser's WebSocket. Over plain HTTP
// (TLS=off) the same page shows why that matters: HTTP/1.1 allows six connections per origin,
// so six feeds run and the seventh waits.
//
//   node tls.mjs https://127.0.0.1:PORT    (examples/tls)
//   node tls.mjs http://127.0.0.1:PORT     (examples/tls with TLS=off; .ci/browser-check runs it as tls-http1.mjs)

import { WAIT_MS, check, keepScreenshot, run, waitForState, waitForText } from './harness.mjs';

const url = process.argv[2] ?? '';
const secure = url.startsWith('https:');
const FEEDS = 10;

/** Events received so far by each feed of the page. */
const counts = (page) => page.evaluate(() => window.state.counts.slice());

/** Waits (at most WAIT_MS) until `predicate(counts)` holds in the page; says what it saw if not. */
async function waitForCounts(page, name, what, predicate) {
  try {
    await page.waitForFunction(predicate, null, { timeout: WAIT_MS, polling: 50 });
  } catch {
    throw new Error(`page "${name}": ${what} within ${WAIT_MS / 1000} s; events per feed: ${JSON.stringify(await counts(page))}`);
  }
}

await run(secure ? 'tls' : 'tls-http1', async ({ url, open, step }) => {
  step(`opening a page with ${FEEDS} EventSources`);
  const page = await open('feeds');
  await page.goto(`${url}/?feeds=${FEEDS}`);
  await waitForState(page, 'feeds', '#version', secure ? 'HTTP/2.0' : 'HTTP/1.1');

  if (!secure) {
    step('six feeds connect over HTTP/1.1');
    await waitForCounts(page, 'feeds', 'six feeds did not connect', () =>
      window.state.counts.filter((c) => c > 0).length >= 6,
    );
    // While the six receive two more ticks each, the seventh is still waiting for a connection.
    const before = await counts(page);
    await waitForCounts(page, 'feeds', 'the connected feeds did not tick twice more', () =>
      window.state.counts.every((c, i) => c === 0 || c >= 3),
    );
    const after = await counts(page);
    const connected = after.filter((c) => c > 0).length;
    check(connected === 6, `over HTTP/1.1 exactly six feeds should run, ${connected} do: ${JSON.stringify(after)} (before: ${JSON.stringify(before)})`);
    await keepScreenshot(page, 'tls-http1');
    return;
  }

  step(`all ${FEEDS} feeds receive events over one HTTP/2 connection`);
  await waitForCounts(page, 'feeds', 'not every feed received two events', () =>
    window.state.counts.every((c) => c >= 2),
  );
  const texts = await page.locator('.feed').allTextContents();
  check(texts.length === FEEDS, `expected ${FEEDS} feeds, the page shows ${texts.length}`);

  step('the chat: this page is welcomed over its WebSocket');
  await waitForText(page, 'feeds', 'Welcome to the server!', '#log div');
  const [, over] = await waitForText(page, 'feeds', /^\[system\] this socket runs over (.+)$/, '#log div');
  console.log(`  the browser's WebSocket ran over ${over}`);

  step('a second page joins and says hello; the first page hears it');
  const other = await open('other');
  await other.goto(`${url}/?feeds=0`);
  await waitForText(other, 'other', 'Welcome to the server!', '#log div');
  await waitForText(page, 'feeds', /^\[system\] .+ joined!$/, '#log div');
  await other.locator('#text').fill('hello over TLS');
  await other.getByRole('button', { name: 'Send' }).click();
  await waitForText(other, 'other', 'hello over TLS', '#log div');
  await waitForText(page, 'feeds', /^\[.+\] hello over TLS$/, '#log div');

  step('the feeds kept running beside the chat');
  const now = await counts(page);
  await waitForCounts(page, 'feeds', 'the feeds stopped', `window.state.counts.every((c, i) => c > ${JSON.stringify(now)}[i])`);
  await keepScreenshot(page, 'tls');
}, secure ? { ignoreHTTPSErrors: true } : {});
