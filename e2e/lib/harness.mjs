// Building blocks for end-to-end browser tests of the Mandates web pages: the test OpenID
// Connect provider, the `mandates` server in demo mode on a fresh database, headless
// Chromium, axe-core accessibility checks, screenshots and the provider's login form.

import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  mkdir, mkdtemp, readFile, readdir, rm, writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import {
  ACCOUNTS, ACR, CLIENT_ID, CLIENT_SECRET, PASSWORD,
} from './accounts.mjs';

export {
  ACCOUNTS, ACR, CLIENT_ID, CLIENT_SECRET, PASSWORD,
};

/** The e2e/ folder. */
export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCREENSHOT_DIR = path.join(E2E_DIR, 'screenshots');
const PROVIDER_SCRIPT = path.join(E2E_DIR, 'oidc-provider.mjs');
const SMTP_SINK_SCRIPT = path.join(E2E_DIR, 'smtp_sink.py');
const AXE_PATH = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** axe-core rule tags run by checkA11y: WCAG 2.1 A and AA, plus axe's best practices. */
export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// Children still running are killed when the test process exits, whatever happened.
const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const tail = (text, max = 4000) => (text.length > max ? `...${text.slice(-max)}` : text);

function track(child) {
  const out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d) => { out.stdout += d; });
  child.stderr?.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  children.add(child);
  return { out, exited };
}

async function stopChild(child, exited, timeoutMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the test OpenID Connect provider (oidc-provider.mjs) and waits for its ready line.
 * `redirectUri` and `postLogoutUri` set MANDATES_REDIRECT_URI and MANDATES_POST_LOGOUT_URI;
 * `env` adds or overrides variables.
 * @returns {Promise<{issuer: string, port: number, stop: () => Promise<void>, output: () => {stdout: string, stderr: string}}>}
 */
export async function startProvider({
  port = 9090, redirectUri, postLogoutUri, env = {}, timeoutMs = 15_000,
} = {}) {
  const childEnv = { ...process.env, OIDC_PORT: String(port) };
  if (redirectUri) childEnv.MANDATES_REDIRECT_URI = redirectUri;
  if (postLogoutUri) childEnv.MANDATES_POST_LOGOUT_URI = postLogoutUri;
  Object.assign(childEnv, env);

  const child = spawn(process.execPath, [PROVIDER_SCRIPT], {
    cwd: E2E_DIR,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { out, exited } = track(child);

  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`oidc-provider did not start within ${timeoutMs} ms\n${tail(out.stderr)}`));
    }, timeoutMs);
    const onData = () => {
      const m = out.stdout.match(/oidc-provider listening on (\S+)/);
      if (m) { cleanup(); resolve(m[1]); }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`oidc-provider exited (${signal || code}) before it listened\n${tail(out.stderr)}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  }).catch(async (err) => {
    await stopChild(child, exited, 2000);
    throw err;
  });

  return {
    issuer: childEnv.OIDC_ISSUER || listening,
    port,
    process: child,
    output: () => ({ ...out }),
    async stop() { await stopChild(child, exited); },
  };
}

/**
 * Starts `mandates serve --demo` (binary from MANDATES_BIN, default ../target/debug/mandates
 * relative to e2e/) in a fresh temporary directory, so it creates a fresh mandates-demo.db
 * there, and waits until GET /healthz answers 200.
 *
 * Variables MANDATES_* of this process are not passed on (the server refuses unknown keys);
 * the child gets MANDATES_BIND, and unless `login: false` also MANDATES_PUBLIC_URL and
 * MANDATES_LOGIN__ISSUER/CLIENT_ID/CLIENT_SECRET (which need `provider`). `env` adds or
 * overrides variables; a value of null or undefined removes one.
 * @returns {Promise<{url: string, port: number, dir: string, stop: () => Promise<void>, output: () => {stdout: string, stderr: string}}>}
 */
export async function startServer({
  port, provider, env = {}, login = true, bin, args = ['serve', '--demo'],
  timeoutMs = 60_000, keepDir = false,
} = {}) {
  const binary = path.resolve(E2E_DIR, bin || process.env.MANDATES_BIN || '../target/debug/mandates');
  if (!existsSync(binary)) {
    throw new Error(`mandates binary not found at ${binary} (build it with cargo build, or set MANDATES_BIN)`);
  }
  if (login && !provider) {
    throw new Error('startServer: pass {provider} (from startProvider) or {login: false}');
  }
  const serverPort = port || await freePort();
  const url = `http://127.0.0.1:${serverPort}`;

  const childEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MANDATES_')),
  );
  childEnv.MANDATES_BIND = `127.0.0.1:${serverPort}`;
  if (login) {
    childEnv.MANDATES_PUBLIC_URL = url;
    childEnv.MANDATES_LOGIN__ISSUER = provider.issuer;
    childEnv.MANDATES_LOGIN__CLIENT_ID = CLIENT_ID;
    childEnv.MANDATES_LOGIN__CLIENT_SECRET = CLIENT_SECRET;
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === null) delete childEnv[k];
    else childEnv[k] = String(v);
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'mandates-e2e-'));
  if (!args.includes('--demo') && !childEnv.MANDATES_EVIDENCE__KEY_FILE) {
    // Outside demo mode the operator provides the evidence key, in a file outside the
    // database (as `openssl genpkey -algorithm ed25519` writes it).
    const keyFile = path.join(dir, 'evidence-key.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    childEnv.MANDATES_EVIDENCE__KEY_FILE = keyFile;
  }
  const child = spawn(binary, args, { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, exited } = track(child);
  let spawnError;
  child.on('error', (err) => { spawnError = err; });

  const stop = async () => {
    await stopChild(child, exited);
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      const why = spawnError ? spawnError.message : `exited (${child.signalCode || child.exitCode})`;
      throw new Error(`mandates ${args.join(' ')} ${why} before /healthz answered\nstderr:\n${tail(out.stderr)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code || err.message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mandates did not answer GET ${url}/healthz with 200 within ${timeoutMs} ms `
        + `(last: ${lastProblem})\nstderr:\n${tail(out.stderr)}`);
    }
    await sleep(200);
  }

  return {
    url, port: serverPort, dir, process: child, output: () => ({ ...out }), stop,
  };
}

/**
 * Starts the real SMTP server of the mail tests, `smtp_sink.py` (Python, PyPI `aiosmtpd`),
 * on a free loopback port, writing each message it accepts as a JSON file into a fresh
 * temporary directory: {mail_from, rcpt_tos, headers (decoded, lower case names), parts
 * (decoded text by content type), data (the raw message)}. `waitForMail(match)` polls that
 * directory until a message satisfies `match` (the mail dispatcher sends on its own time).
 * `stop()` closes the server's standard input, which ends it.
 * @returns {Promise<{port: number, url: string, dir: string, messages: () => Promise<object[]>, waitForMail: (match: (m: object) => boolean, opts?: {timeoutMs?: number}) => Promise<object>, stop: () => Promise<void>}>}
 */
export async function startSmtpSink({ timeoutMs = 15_000 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mandates-e2e-smtp-'));
  const child = spawn('python3', [SMTP_SINK_SCRIPT, dir], { cwd: E2E_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  const { out, exited } = track(child);
  const stop = async () => {
    child.stdin.end();
    // It ends on its own once its standard input is closed; SIGTERM if it takes long.
    await Promise.race([exited, sleep(2000)]);
    await stopChild(child, exited, 5000).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`smtp_sink.py did not say its port within ${timeoutMs} ms\n${tail(out.stderr)}`));
    }, timeoutMs);
    const onData = () => {
      const m = out.stdout.match(/^(\d+)\r?\n/);
      if (m) { cleanup(); resolve(Number(m[1])); }
    };
    const onExit = (code, signal) => {
      cleanup();
      const hint = /No module named .aiosmtpd/.test(out.stderr) ? ' (install it: python3 -m pip install aiosmtpd==1.4.6)' : '';
      reject(new Error(`smtp_sink.py exited (${signal || code}) before it listened${hint}\n${tail(out.stderr)}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.on('data', onData);
    child.on('exit', onExit);
    child.on('error', (err) => { cleanup(); reject(new Error(`python3 did not start: ${err.message}`)); });
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  const messages = async () => {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    return Promise.all(names.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8'))));
  };
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    dir,
    process: child,
    messages,
    async waitForMail(match, { timeoutMs: wait = 30_000 } = {}) {
      const deadline = Date.now() + wait;
      for (;;) {
        const all = await messages();
        const found = all.find(match);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = all.map((m) => `${m.rcpt_tos.join(', ')}: ${m.headers.subject}`);
          throw new Error(`no such mail reached the SMTP server within ${wait} ms; it received ${all.length}:\n  ${seen.join('\n  ')}`);
        }
        await sleep(250);
      }
    },
    output: () => ({ ...out }),
    stop,
  };
}

/** Headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) with a temporary profile. */
export async function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/**
 * A page in a new browser context; `locale` (default 'en') sets Accept-Language and
 * navigator.language. Other options go to browser.newContext. Close it with
 * `page.context().close()` (or close the browser).
 */
export async function newPage(browser, { locale = 'en', ...contextOptions } = {}) {
  const context = await browser.newContext({ locale, ...contextOptions });
  return context.newPage();
}

let axeSource;
/** Every checkA11y run, in order: {label, url, violations: [rule ids], passes}. */
export const a11yResults = [];

/**
 * Runs axe-core (WCAG 2.1 A/AA and best-practice rules, see A11Y_TAGS) on the page and throws
 * an Error listing every violation. The script is evaluated through the DevTools protocol, so
 * a Content-Security-Policy of the page does not block it.
 */
export async function checkA11y(page, label, { tags = A11Y_TAGS, context, maxTargets = 3 } = {}) {
  axeSource ??= readFileSync(AXE_PATH, 'utf8');
  const present = await page.evaluate(() => typeof window.axe === 'object');
  if (!present) await page.evaluate(axeSource);
  const results = await page.evaluate(async ({ tags: t, context: c }) => {
    const r = await window.axe.run(c ?? document, {
      runOnly: { type: 'tag', values: t },
      resultTypes: ['violations'],
    });
    return {
      url: r.url,
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    };
  }, { tags, context });

  a11yResults.push({
    label, url: results.url, violations: results.violations.map((v) => v.id), passes: results.passes,
  });
  if (results.violations.length) {
    const lines = results.violations.map((v) => {
      const shown = v.targets.slice(0, maxTargets).join(', ');
      const more = v.targets.length > maxTargets ? ` (+${v.targets.length - maxTargets} more)` : '';
      return `  - ${v.id} [${v.impact}] ${v.help}: ${shown}${more}`;
    });
    const err = new Error(`${results.violations.length} accessibility violation(s) on "${label}" `
      + `(${results.url}):\n${lines.join('\n')}`);
    err.violations = results.violations;
    throw err;
  }
  return results;
}

/** Full-page PNG into e2e/screenshots/<name>.png; returns the path. */
export async function screenshot(page, name) {
  const safe = String(name).replace(/[^A-Za-z0-9._-]+/g, '-');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${safe}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * On the provider's login page: fills #login and #password, clicks #submit, approves a
 * consent form if one appears (form#consent-form), and waits until the page has left the
 * provider's origin (the relying party's redirect URI has loaded). Throws if the provider
 * rejects the login.
 */
export async function loginAtProvider(page, login, password = PASSWORD, { timeoutMs = 15_000 } = {}) {
  await page.waitForSelector('form#login-form', { timeout: timeoutMs });
  const providerOrigin = new URL(page.url()).origin;
  await page.fill('#login', login);
  await page.fill('#password', password);

  const left = (u) => u.origin !== providerOrigin;
  const step = async (clickSelector) => {
    await Promise.all([
      page.waitForNavigation({ timeout: timeoutMs, waitUntil: 'load' }),
      page.click(clickSelector),
    ]);
  };

  await step('#submit');
  for (let i = 0; i < 3 && !left(new URL(page.url())); i += 1) {
    if (await page.locator('#login-error').count()) {
      const msg = (await page.locator('#login-error').textContent())?.trim();
      throw new Error(`provider rejected login "${login}": ${msg}`);
    }
    if (await page.locator('form#consent-form').count()) {
      await step('form#consent-form [type=submit]');
    } else {
      await page.waitForURL(left, { timeout: timeoutMs });
    }
  }
  if (!left(new URL(page.url()))) {
    throw new Error(`still at the provider after login: ${page.url()}`);
  }
}

/**
 * On the provider's sign-out confirmation page (after the relying party sent the browser to
 * end_session_endpoint): confirms, and waits until the page has left the provider (the
 * post-logout redirect URI) or shows the provider's "signed out" page.
 */
export async function logoutAtProvider(page, { timeoutMs = 15_000 } = {}) {
  await page.waitForSelector('#logout-confirm', { timeout: timeoutMs });
  await Promise.all([
    page.waitForNavigation({ timeout: timeoutMs, waitUntil: 'load' }),
    page.click('#logout-confirm'),
  ]);
}
