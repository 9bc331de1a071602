import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { chromium, type Browser } from 'playwright-core';

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
