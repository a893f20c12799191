// What every browser test shares: one headless Chromium with a fresh profile, pages opened by
// name (so a failure can say which page), 10 s waits, a watchdog for the whole script, and
// screenshots of every open page when something fails.
//
//   node chat.mjs http://127.0.0.1:PORT      (.ci/browser-check starts the server and passes its URL)

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Each wait (an element, a text, a navigation) gives up after this long. */
export const WAIT_MS = 10_000;
/** A whole script gives up after this long, even if something hangs outside Playwright. */
const SCRIPT_MS = 60_000;

// The flags known to work on the CI machine; Playwright adds its own automation flags.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const here = dirname(fileURLToPath(import.meta.url));
/** Screenshots go to target/browser/ at the root of the repository. */
export const OUT_DIR = resolve(process.env.H3RS_BROWSER_OUT ?? join(here, '../../target/browser'));

/** Fails the test with a message that says what was expected and what the page showed. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The texts of the items of a list (`#log li`), in document order. */
export async function items(page, selector = '#log li') {
  return page.locator(selector).evaluateAll((nodes) =>
    nodes.map((node) => ({ text: node.textContent, className: node.className })),
  );
}

/**
 * Waits (at most `WAIT_MS`) until an element of `selector` on `page` has a text equal to
 * `pattern` (a string) or matching it (a RegExp), and returns the match. On timeout the error
 * names the page and lists what it did show.
 */
export async function waitForText(page, pageName, pattern, selector = '#log li') {
  const source = pattern instanceof RegExp ? pattern.source : null;
  const flags = pattern instanceof RegExp ? pattern.flags : '';
  try {
    await page.waitForFunction(
      ({ selector, text, source, flags }) => {
        const re = source === null ? null : new RegExp(source, flags);
        return [...document.querySelectorAll(selector)].some((node) =>
          re ? re.test(node.textContent) : node.textContent === text,
        );
      },
      { selector, text: pattern, source, flags },
      { timeout: WAIT_MS, polling: 50 },
    );
  } catch (error) {
    const shown = await items(page, selector).catch(() => []);
    throw new Error(
      `page "${pageName}" did not show ${pattern instanceof RegExp ? pattern : JSON.stringify(pattern)} within ${WAIT_MS / 1000} s; ` +
        `it shows (${selector}):\n${shown.map((item) => `    ${JSON.stringify(item.text)}`).join('\n') || '    (nothing)'}`,
    );
  }
  const texts = (await items(page, selector)).map((item) => item.text);
  return pattern instanceof RegExp ? texts.map((text) => text.match(pattern)).find(Boolean) : pattern;
}

/** Waits until the element `selector` has exactly the text `text`. */
export async function waitForState(page, pageName, selector, text) {
  try {
    await page.waitForFunction(
      ({ selector, text }) => document.querySelector(selector)?.textContent === text,
      { selector, text },
      { timeout: WAIT_MS, polling: 50 },
    );
  } catch {
    const shown = await page.locator(selector).textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(
      `page "${pageName}": ${selector} did not become ${JSON.stringify(text)} within ${WAIT_MS / 1000} s (it shows ${JSON.stringify(shown)})`,
    );
  }
}

/**
 * Runs `body({ url, open, step })` against the server at `process.argv[2]`; `options` go to
 * the browser context as Playwright takes them (e.g. `{ ignoreHTTPSErrors: true }`).
 * `open(name)` opens a named page; `step(what)` labels what the test is doing, for the failure
 * message. Returns normally on success; on failure prints the error, the step, every open
 * page's screenshot path and the browser console, and exits 1.
 */
export async function run(test, body, options = {}) {
  const url = process.argv[2];
  if (!url) {
    console.error(`usage: node ${test}.mjs http://127.0.0.1:PORT`);
    process.exit(2);
  }
  const watchdog = setTimeout(() => {
    console.error(`FAIL ${test}: the script did not finish within ${SCRIPT_MS / 1000} s`);
    process.exit(1);
  }, SCRIPT_MS);
  watchdog.unref();

  mkdirSync(OUT_DIR, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), `h3rs-browser-${test}-`));
  const pages = new Map();
  const consoleLines = [];
  const pageErrors = [];
  let current = 'launching Chromium';
  const started = performance.now();
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: FLAGS,
      timeout: WAIT_MS,
      viewport: { width: 800, height: 600 },
      ...options,
    });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    // A persistent context starts with one blank tab; tests open their own, named ones.
    for (const blank of context.pages()) await blank.close();

    const open = async (name) => {
      const page = await context.newPage();
      pages.set(name, page);
      page.on('console', (message) => consoleLines.push(`[${name}] ${message.type()}: ${message.text()}`));
      // An exception in the page's own script fails the test, whatever the DOM shows.
      page.on('pageerror', (error) => pageErrors.push(`[${name}] ${error.message}`));
      page.on('close', () => pages.delete(name));
      return page;
    };
    const step = (what) => {
      current = what;
      if (process.env.H3RS_BROWSER_VERBOSE) console.log(`  ${test} +${((performance.now() - started) / 1000).toFixed(1)} s: ${what}`);
    };

    await body({ url, open, step, pages });
    check(pageErrors.length === 0, `the page threw:\n  ${pageErrors.join('\n  ')}`);
    console.log(`ok ${test}`);
  } catch (error) {
    console.error(`FAIL ${test}, while ${current}:\n  ${error.message.split('\n').join('\n  ')}`);
    for (const line of pageErrors) console.error(`  page error ${line}`);
    for (const [name, page] of pages) {
      const path = join(OUT_DIR, `${test}-${name}.png`);
      try {
        await page.screenshot({ path, timeout: WAIT_MS });
        console.error(`  screenshot of page "${name}": ${path}`);
      } catch (shot) {
        console.error(`  no screenshot of page "${name}": ${shot.message}`);
      }
    }
    if (consoleLines.length) console.error(`  browser console:\n    ${consoleLines.join('\n    ')}`);
    process.exitCode = 1;
  } finally {
    await context?.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

/** Saves the screenshot of a passing test (for the record) and prints its path. */
export async function keepScreenshot(page, name) {
  const path = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path });
  console.log(`  screenshot: ${path}`);
}
