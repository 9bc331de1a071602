import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PriceTable } from '../../domain/prices';
import { FakeAnthropic } from '../fakes/anthropic';
import { startHarness, type Harness, type TestUser } from './harness';
import { startTestWorker, type TestWorker } from './worker';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The path of a Chromium to drive. Debian's `chromium` package is installed (as root, with apt) when
 * none is found, so the browser tests need nothing set up by hand; elsewhere set CHROMIUM_PATH.
 */
export function ensureChromium(): string {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return explicit;
  const found = CANDIDATES.find((file) => fs.existsSync(file));
  if (found) return found;
  if (os.userInfo().uid !== 0 || spawnSync('which', ['apt-get']).status !== 0) {
    throw new Error('No Chromium found: install Debian’s chromium package or set CHROMIUM_PATH.');
  }
  process.stdout.write('[browser tests] installing Debian’s chromium package…\n');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const installed = CANDIDATES.find((file) => fs.existsSync(file));
  if (!installed) throw new Error('apt-get installed chromium, but no binary was found.');
  return installed;
}

/** Headless Chromium through playwright-core (Playwright's own browser download cannot work offline). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * Polls `check` every 50 ms until it holds, or throws after `timeoutMs` (for what a locator cannot
 * wait for: counts, texts changing; the console's CSP allows no string evaluation in the page).
 */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A console test's stack: the fake model, the API, a worker, one signed-up user and a browser page. */
export interface ConsoleStack {
  fake: FakeAnthropic;
  h: Harness;
  worker: TestWorker;
  user: TestUser;
  browser: Browser;
  page: Page;
  /** Script errors and console errors of the page (a refused save's 400 is expected, not counted). */
  errors: string[];
  stop(): Promise<void>;
}

/**
 * Starts what a console test drives: the fake Messages API, the real API and worker on their own
 * task queue (with `prices`, when given), a user, and a 1280×900 Chromium page whose errors are kept.
 */
export async function startConsoleStack(options: { name: string; prices?: PriceTable }): Promise<ConsoleStack> {
  const taskQueue = `browser-${options.name}-${Date.now()}`;
  const prices = options.prices ? { prices: options.prices } : {};
  const fake = await new FakeAnthropic().start();
  const h = await startHarness({ taskQueue, ...prices });
  const worker = await startTestWorker({ taskQueue, anthropicBaseUrl: fake.url, ...prices });
  const user = await h.createUser(`console-${options.name}`);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/400|Bad Request/.test(message.text())) errors.push(message.text());
  });
  return {
    fake,
    h,
    worker,
    user,
    browser,
    page,
    errors,
    async stop() {
      await browser.close();
      await worker.stop();
      await h.close();
      await fake.close();
    },
  };
}
