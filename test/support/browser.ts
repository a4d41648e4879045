import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's chromium package; no browser download (playwright-core drives it through executablePath). */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM);

const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** Builds the console into dist/console with the same command as the package.json script. */
export async function buildConsole(): Promise<void> {
  await promisify(execFile)(
    path.join(ROOT, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'extensions/console/vite.config.mts', '--logLevel', 'error'],
    {
      cwd: ROOT,
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      timeout: 180_000,
    },
  );
}

export interface BrowserProblem {
  readonly kind: 'console' | 'pageerror';
  readonly text: string;
  /** The resource or script the message is about. */
  readonly url: string;
}

export interface Browser {
  readonly page: Page;
  /** Every console error and uncaught page error so far. */
  readonly problems: BrowserProblem[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, recording console errors and uncaught exceptions. */
export async function openBrowser(artifactDir: string): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'baton-chromium-'));
  mkdirSync(artifactDir, { recursive: true });
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
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
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: BrowserProblem[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') problems.push({ kind: 'console', text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: err.stack ?? err.message, url: '' }));
  return {
    page,
    problems,
    async screenshot(name) {
      await page.screenshot({ path: path.join(artifactDir, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
