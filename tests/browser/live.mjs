// The live example (examples/live.rs) in a browser page: events published to the topic (from
// the page's own form and from elsewhere) appear on the page; then the page's stream is dropped,
// events are published while it is away, and the page's EventSource reconnects by itself with
// Last-Event-ID and shows what it missed, once each and in order, then carries on live.
//
// The example has no way to end a stream short of shutting down (which would lose its replay
// log), so the page talks to it through a small TCP proxy here that cuts the page's
// /events connection: to the browser that is the server dropping the stream, and to the server
// the client leaving, exactly as in tests/tests/example_live.rs. The proxy also holds the
// reconnect until the missed events are published, so they can only arrive by replay.

import net from 'node:net';
import { check, items, keepScreenshot, run, waitForState, waitForText, WAIT_MS } from './harness.mjs';

/** A TCP proxy to `target` that can cut the connections carrying `GET /events` and hold new ones. */
async function proxy(target) {
  const { hostname, port } = new URL(target);
  const connections = new Set();
  const streams = new Set();
  const eventRequests = [];
  let held = null;

  const server = net.createServer(async (client) => {
    client.pause();
    if (held) await held.promise;
    const upstream = net.connect(Number(port), hostname);
    const pair = { client, upstream };
    connections.add(pair);
    client.on('data', (chunk) => {
      const head = chunk.toString('latin1');
      if (head.startsWith('GET /events ')) {
        streams.add(pair);
        eventRequests.push(head.slice(0, head.indexOf('\r\n\r\n')));
      }
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      connections.delete(pair);
      streams.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.resume();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    eventRequests,
    /**
     * Cuts every connection (so the reconnect cannot ride an idle keep-alive one) and returns
     * how many of them carried an event stream; new connections wait until `release()`.
     */
    cutAndHold() {
      let release;
      held = { promise: new Promise((resolve) => (release = resolve)), release };
      const cut = streams.size;
      for (const { client, upstream } of connections) {
        client.destroy();
        upstream.destroy();
      }
      connections.clear();
      streams.clear();
      return cut;
    },
    release() {
      held?.release();
      held = null;
    },
    close() {
      server.close();
    },
  };
}

/** Publishes to the topic from outside the page, as another client would. */
async function publish(server, text) {
  const reply = await fetch(new URL('/say', server), {
    method: 'POST',
    body: text,
    signal: AbortSignal.timeout(WAIT_MS),
  });
  check(reply.status === 204, `POST /say ${JSON.stringify(text)} answered ${reply.status}`);
}

/** The page's events in the order they arrived (the page shows the newest first). */
async function shownEvents(page) {
  const shown = await page.locator('#log li').evaluateAll((nodes) =>
    nodes.map((node) => ({
      id: node.querySelector('small')?.textContent ?? '',
      data: [...node.childNodes]
        .filter((child) => child.nodeType === Node.TEXT_NODE)
        .map((child) => child.textContent)
        .join(''),
    })),
  );
  return shown.reverse();
}

const describe = (events) => events.map((e) => `    ${e.id}  ${JSON.stringify(e.data)}`).join('\n');

await run('live', async ({ url, open, step }) => {
  const relay = await proxy(url);
  try {
    step('opening the page');
    const page = await open('page');
    await page.goto(relay.url);
    await waitForState(page, 'page', '#state', 'connected');

    step('publishing from the page\'s form');
    const box = page.getByPlaceholder('Say something to everyone');
    await box.click();
    await page.keyboard.type('first, from the form');
    await page.keyboard.press('Enter');
    await waitForText(page, 'page', /first, from the form$/);
    check((await box.inputValue()) === '', 'the form was not cleared after sending');

    step('publishing from elsewhere (POST /say)');
    await publish(url, 'second, from elsewhere');
    await waitForText(page, 'page', /second, from elsewhere$/);
    const before = await shownEvents(page);
    const lastSeen = before.at(-1).id;
    check(lastSeen !== '', `the page shows events without ids:\n${describe(before)}`);

    step('dropping the page\'s event stream');
    const cut = relay.cutAndHold();
    check(cut === 1, `expected the page to hold one event stream, found ${cut}`);
    await waitForState(page, 'page', '#state', 'reconnecting...');

    step('publishing while the page is away');
    await publish(url, 'missed one');
    await publish(url, 'missed two');
    relay.release();

    step('waiting for the page to reconnect and catch up');
    await waitForText(page, 'page', /missed two$/);
    await waitForState(page, 'page', '#state', 'connected');
    const resumed = relay.eventRequests.at(-1);
    check(relay.eventRequests.length === 2, `expected 2 requests of /events, saw:\n${relay.eventRequests.join('\n\n')}`);
    const header = resumed.match(/^last-event-id: *(.*)$/im)?.[1];
    check(
      header === lastSeen,
      `the reconnect sent Last-Event-ID ${JSON.stringify(header)}, the page had last seen ${JSON.stringify(lastSeen)}:\n${resumed}`,
    );

    step('publishing after the reconnect');
    await publish(url, 'live again');
    await waitForText(page, 'page', /live again$/);

    step('checking what the page shows');
    const shown = await shownEvents(page);
    const ids = shown.map((e) => e.id);
    check(new Set(ids).size === ids.length, `the page shows an event twice:\n${describe(shown)}`);
    const mine = ['first, from the form', 'second, from elsewhere', 'missed one', 'missed two', 'live again'];
    // The example's clock publishes every 5 s too; those may sit anywhere between ours.
    const ours = shown.filter((e) => mine.includes(e.data)).map((e) => e.data);
    check(
      JSON.stringify(ours) === JSON.stringify(mine),
      `expected each of ${JSON.stringify(mine)} once, in order; the page shows:\n${describe(shown)}`,
    );
    await keepScreenshot(page, 'live');
  } finally {
    relay.release();
    relay.close();
  }
});
