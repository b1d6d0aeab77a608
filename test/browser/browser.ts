import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { compileAndSelect } from '../../src/cli/commands/compile.js';
import { openTargetAdapter } from '../../src/cli/commands/execute.js';
import { Reporter } from '../../src/cli/reporter.js';
import { createServer, type ServerOptions } from '../../src/server/index.js';

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

/** A new page whose uncaught errors fail the test. */
export async function newPage(browser: BrowserContext): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  return page;
}

/**
 * The built project's semantic layer and generated docs served in-process (as `strata serve`
 * does, or `strata docs serve` with `docsAtRoot`), on a free loopback port.
 */
export async function serveProjectDocs(dir: string, o: Pick<ServerOptions, 'auth' | 'docsAtRoot'>): Promise<{ base: string; close(): Promise<void> }> {
  const { files, semantic } = await compileAndSelect({ projectDir: dir, select: [] });
  const opened = await openTargetAdapter(files.target, new Reporter('json'));
  const server = await createServer({ layer: semantic!, adapter: opened.adapter, stateRefreshMs: 0, docsDir: join(dir, 'target', 'docs'), ...o });
  const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base,
    close: async () => {
      await server.close();
      await opened.close();
    },
  };
}

