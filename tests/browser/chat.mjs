// The chat example (examples/websocket.rs) in two browser pages, through the page's own UI:
// welcome, join notice, a message typed and sent with Enter or the Send button reaching the
// other page (and its echo in the sender's), ping answered pong to the sender only, and the
// leave notice when a page closes. Assertions read what the pages display.

import { check, items, keepScreenshot, run, waitForState, waitForText } from './harness.mjs';

const WELCOME = 'Welcome to the server!';

/** Types `text` into the message box key by key, then sends it with Enter or the Send button. */
async function say(page, text, how) {
  await page.bringToFront();
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.click();
  await page.keyboard.type(text);
  if (how === 'enter') await page.keyboard.press('Enter');
  else await page.getByRole('button', { name: 'Send' }).click();
  const left = await input.inputValue();
  check(left === '', `the message box still holds ${JSON.stringify(left)} after sending`);
}

/** The page's log must be exactly `expected` (texts and the page's "system" / "mine" styling). */
async function logIs(page, name, expected) {
  const shown = await items(page);
  const want = expected.map(([text, className = '']) => ({ text, className }));
  check(
    JSON.stringify(shown) === JSON.stringify(want),
    `page "${name}" log differs.\n  expected:\n${want.map((i) => `    ${JSON.stringify(i)}`).join('\n')}\n` +
      `  shown:\n${shown.map((i) => `    ${JSON.stringify(i)}`).join('\n')}`,
  );
}

await run('chat', async ({ url, open, step }) => {
  step('opening the first page (alice)');
  const alice = await open('alice');
  await alice.goto(url);
  await waitForState(alice, 'alice', '#status', 'connected');
  await waitForText(alice, 'alice', WELCOME);

  step('opening the second page (bob): welcome for bob, join notice for alice');
  const bob = await open('bob');
  await bob.goto(url);
  await waitForState(bob, 'bob', '#status', 'connected');
  await waitForText(bob, 'bob', WELCOME);
  const [, bobId] = await waitForText(alice, 'alice', /^\[system\] (.+) joined!$/);

  step('alice types a message and presses Enter');
  await say(alice, 'hello from alice', 'enter');
  await waitForText(alice, 'alice', 'you: hello from alice');
  // The server echoes the message back to its sender as it came.
  await waitForText(alice, 'alice', 'hello from alice');
  const [, aliceId] = await waitForText(bob, 'bob', /^\[(.+)\] hello from alice$/);
  check(aliceId !== bobId, `both pages have the peer id ${aliceId}`);

  step('bob types a reply and clicks Send');
  await say(bob, 'hi alice', 'button');
  await waitForText(bob, 'bob', 'hi alice');
  await waitForText(alice, 'alice', `[${bobId}] hi alice`);

  step('alice clicks Ping');
  await alice.bringToFront();
  await alice.getByRole('button', { name: 'Ping' }).click();
  await waitForText(alice, 'alice', 'pong');

  // The server handles alice's messages in order, so once bob has this one, a pong or a
  // "ping" that leaked to bob would already be in bob's log.
  step('alice sends one more message, after the ping');
  await say(alice, 'bye', 'enter');
  await waitForText(bob, 'bob', `[${aliceId}] bye`);
  await waitForText(alice, 'alice', 'bye');

  step("checking bob's whole log");
  await logIs(bob, 'bob', [
    [WELCOME],
    [`[${aliceId}] hello from alice`],
    ['you: hi alice', 'mine'],
    ['hi alice'],
    [`[${aliceId}] bye`],
  ]);

  step('closing bob: alice sees the leave notice');
  await bob.close();
  await waitForText(alice, 'alice', `[system] ${bobId} has left the chat!`);

  step("checking alice's whole log");
  await logIs(alice, 'alice', [
    [WELCOME],
    [`[system] ${bobId} joined!`, 'system'],
    ['you: hello from alice', 'mine'],
    ['hello from alice'],
    [`[${bobId}] hi alice`],
    ['pong'],
    ['you: bye', 'mine'],
    ['bye'],
    [`[system] ${bobId} has left the chat!`, 'system'],
  ]);
  await keepScreenshot(alice, 'chat');
});
