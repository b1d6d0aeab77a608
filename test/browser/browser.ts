import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser build). */
export const CHROMIUM = process.env['STRATA_CHROMIUM'] ?? '/usr/bin/chromium';

/** Browser tests run when Chromium is installed; in CI a missing browser is a failure, not a skip. */
export const haveChromium = existsSync(CHROMIUM);

/** Screenshots and traces of browser tests (gitignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');

/** Launches headless Chromium with a fresh profile (user data dir) and no network side traffic. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(join(os.tmpdir(), 'strata-chromium-')), {
    executablePath: CHROMIUM,
    viewport,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
