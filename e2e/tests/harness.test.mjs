// Proves the harness against real parts: the OpenID Connect provider process, Chromium,
// axe-core, and startServer's start/stop and error paths. The Rust binary is used when
// it has been built (otherwise that one test is skipped).

import assert from 'node:assert/strict';
import {
  createHash, createPublicKey, randomBytes, verify,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ACCOUNTS, ACR, CLIENT_ID, CLIENT_SECRET, E2E_DIR,
  a11yResults, checkA11y, freePort, launchBrowser, loginAtProvider, logoutAtProvider,
  newPage, screenshot, startProvider, startServer,
} from '../lib/harness.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

const ACCESSIBLE_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Accessible page</title></head>
<body>
<main>
<h1>Mandates</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Logo of the service" width="1" height="1">
<form>
<label for="q">Search mandates</label>
<input id="q" name="q" type="search">
<button type="submit">Search</button>
</form>
</main>
</body>
</html>`;

const BROKEN_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken page</title></head>
<body>
<main>
<h1>Broken</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">
<input id="nolabel" type="text">
</main>
</body>
</html>`;

function callbackPage(query) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Callback</title></head>
<body><main><h1>Back at the relying party</h1>
<p id="query">${query.replace(/[<>&"]/g, '')}</p></main></body>
</html>`;
}

/** The throwaway relying party: redirect target and page host. */
async function startRelyingParty(port) {
  const callbacks = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    };
    if (url.pathname === '/auth/callback') {
      callbacks.push(Object.fromEntries(url.searchParams));
      send(200, callbackPage(url.search));
    } else if (url.pathname === '/accessible') {
      send(200, ACCESSIBLE_PAGE);
    } else if (url.pathname === '/broken') {
      send(200, BROKEN_PAGE);
    } else if (url.pathname === '/') {
      send(200, callbackPage('signed out'));
    } else {
      send(404, callbackPage('not found'));
    }
  });
  await new Promise((resolve) => { server.listen(port, '127.0.0.1', resolve); });
  return {
    callbacks,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function verifyIdToken(idToken, jwksUri) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const { keys } = await (await fetch(jwksUri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `no key ${header.kid} in the provider's JWKS`);
  assert.equal(header.alg, 'RS256');
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'ID token signature does not verify');
  return JSON.parse(Buffer.from(p, 'base64url'));
}

describe('OpenID Connect provider, Chromium and axe-core', () => {
  let rp; let provider; let browser; let discovery;
  let rpOrigin; let redirectUri; let postLogoutUri;

  before(async () => {
    const rpPort = await freePort();
    rpOrigin = `http://127.0.0.1:${rpPort}`;
    redirectUri = `${rpOrigin}/auth/callback`;
    postLogoutUri = `${rpOrigin}/`;
    rp = await startRelyingParty(rpPort);
    [provider, browser] = await Promise.all([
      startProvider({ port: await freePort(), redirectUri, postLogoutUri }),
      launchBrowser(),
    ]);
    discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
  });

  after(async () => {
    await browser?.close();
    await provider?.stop();
    await rp?.stop();
  });

  test('discovery announces code flow, S256, logout and the national_number scope', () => {
    assert.equal(discovery.issuer, provider.issuer);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.ok(discovery.scopes_supported.includes('national_number'));
    assert.ok(discovery.claims_supported.includes('national_number'));
    assert.deepEqual(discovery.acr_values_supported, [ACR]);
    assert.equal(discovery.end_session_endpoint, `${provider.issuer}/session/end`);
  });

  test('an authorization request without PKCE is refused', async () => {
    const q = new URLSearchParams({
      client_id: CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, state: 's',
    });
    const res = await fetch(`${discovery.authorization_endpoint}?${q}`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const loc = new URL(res.headers.get('location'));
    assert.equal(loc.origin + loc.pathname, redirectUri);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description'), /PKCE/);
  });

  test('authorization code + PKCE in the browser yields the account\'s national_number and acr', async () => {
    const page = await newPage(browser, { locale: 'nl-BE' });
    try {
      const verifier = b64url(randomBytes(32));
      const challenge = b64url(createHash('sha256').update(verifier).digest());
      const state = b64url(randomBytes(12));
      const nonce = b64url(randomBytes(12));
      const q = new URLSearchParams({
        client_id: CLIENT_ID,
        response_type: 'code',
        scope: 'openid profile national_number',
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      await page.goto(`${discovery.authorization_endpoint}?${q}`);
      assert.equal(await page.evaluate(() => navigator.language), 'nl-BE');
      await checkA11y(page, 'provider login form');
      await screenshot(page, 'provider-login');

      // A wrong password keeps the browser at the provider.
      await assert.rejects(loginAtProvider(page, 'citizen-b', 'wrong'), /rejected login "citizen-b"/);
      await loginAtProvider(page, 'citizen-b');

      const back = new URL(page.url());
      assert.equal(back.origin + back.pathname, redirectUri);
      const cb = rp.callbacks.at(-1);
      assert.equal(cb.state, state);
      assert.equal(cb.iss, provider.issuer);
      assert.ok(cb.code);

      // The relying party's exchange of the code, as a confidential client with PKCE.
      const exchangeCode = () => fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code', code: cb.code, redirect_uri: redirectUri, code_verifier: verifier,
        }),
      });
      const tokenRes = await exchangeCode();
      const tokens = await tokenRes.json();
      assert.equal(tokenRes.status, 200, JSON.stringify(tokens));
      const claims = await verifyIdToken(tokens.id_token, discovery.jwks_uri);
      assert.equal(claims.iss, provider.issuer);
      assert.equal(claims.aud, CLIENT_ID);
      assert.equal(claims.nonce, nonce);
      assert.equal(claims.sub, 'citizen-b');
      assert.equal(claims.national_number, ACCOUNTS['citizen-b'].national_number);
      assert.equal(claims.national_number, '90010112395');
      assert.equal(claims.acr, ACR);
      assert.deepEqual(claims.amr, ['pwd']);

      const userinfo = await (await fetch(discovery.userinfo_endpoint, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })).json();
      assert.equal(userinfo.national_number, '90010112395');
      assert.equal(userinfo.sub, 'citizen-b');

      // The code is single use.
      const again = await exchangeCode();
      assert.equal(again.status, 400);
      assert.equal((await again.json()).error, 'invalid_grant');

      // RP-initiated logout returns to the post-logout redirect URI.
      const end = new URLSearchParams({
        id_token_hint: tokens.id_token, post_logout_redirect_uri: postLogoutUri, state: 'bye',
      });
      await page.goto(`${discovery.end_session_endpoint}?${end}`);
      await checkA11y(page, 'provider logout confirmation');
      await logoutAtProvider(page);
      const out = new URL(page.url());
      assert.equal(out.origin + out.pathname, postLogoutUri);
      assert.equal(out.searchParams.get('state'), 'bye');
    } finally {
      await page.context().close();
    }
  });

  test('checkA11y passes an accessible page and lists the violations of a broken one', async () => {
    const page = await newPage(browser);
    try {
      await page.goto(`${rpOrigin}/accessible`);
      const ok = await checkA11y(page, 'accessible sample');
      assert.equal(ok.violations.length, 0);
      const file = await screenshot(page, 'accessible sample');
      assert.ok(existsSync(file));
      assert.equal(path.basename(file), 'accessible-sample.png');

      await page.goto(`${rpOrigin}/broken`);
      const err = await checkA11y(page, 'broken sample').then(() => null, (e) => e);
      assert.ok(err, 'checkA11y did not throw on the broken page');
      assert.match(err.message, /"broken sample"/);
      assert.match(err.message, /image-alt \[critical\].*: img/);
      assert.match(err.message, /label \[critical\].*#nolabel/);
      assert.deepEqual(a11yResults.at(-1).violations.sort(), err.violations.map((v) => v.id).sort());
      assert.equal(a11yResults.at(-1).label, 'broken sample');
    } finally {
      await page.context().close();
    }
  });
});

describe('startServer', () => {
  let dir;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'mandates-e2e-fake-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function script(name, body) {
    const file = path.join(dir, name);
    await writeFile(file, `#!${process.execPath}\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  test('starts a server in a fresh directory with the expected env and stops it', async () => {
    const bin = await script('fake-ok', `
const http = require('node:http');
const fs = require('node:fs');
const [host, port] = process.env.MANDATES_BIND.split(':');
const seen = { argv: process.argv.slice(2), cwd: process.cwd(), files: fs.readdirSync('.'),
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MANDATES_'))) };
http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(seen));
}).listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));`);
    const prev = process.env.MANDATES_DATABASE_URL;
    process.env.MANDATES_DATABASE_URL = 'sqlite://must-not-leak.db';
    let server;
    try {
      server = await startServer({
        bin, provider: { issuer: 'http://127.0.0.1:1' }, env: { MANDATES_LOG: 'debug' },
      });
    } finally {
      if (prev === undefined) delete process.env.MANDATES_DATABASE_URL;
      else process.env.MANDATES_DATABASE_URL = prev;
    }
    const seen = await (await fetch(`${server.url}/healthz`)).json();
    assert.deepEqual(seen.argv, ['serve', '--demo']);
    assert.equal(seen.cwd, server.dir);
    assert.deepEqual(seen.files, []);
    assert.deepEqual(seen.env, {
      MANDATES_BIND: `127.0.0.1:${server.port}`,
      MANDATES_PUBLIC_URL: server.url,
      MANDATES_LOGIN__ISSUER: 'http://127.0.0.1:1',
      MANDATES_LOGIN__CLIENT_ID: CLIENT_ID,
      MANDATES_LOGIN__CLIENT_SECRET: CLIENT_SECRET,
      MANDATES_LOG: 'debug',
    });
    await server.stop();
    assert.ok(!existsSync(server.dir), 'temporary directory left behind');
    await assert.rejects(fetch(`${server.url}/healthz`));
  });

  test('a server that dies before /healthz fails with its stderr', async () => {
    const bin = await script('fake-fail', `
console.error('configuration: unknown field \`oops\`');
process.exit(3);`);
    await assert.rejects(
      startServer({ bin, login: false }),
      (err) => /exited \(3\)/.test(err.message) && /unknown field `oops`/.test(err.message),
    );
  });

  const realBin = path.resolve(E2E_DIR, process.env.MANDATES_BIN || '../target/debug/mandates');
  test('the mandates binary serves /healthz in demo mode on a fresh database', {
    skip: existsSync(realBin) ? false : `no binary at ${realBin} (cargo build first)`,
    timeout: 90_000,
  }, async () => {
    const server = await startServer({ login: false });
    try {
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
      assert.ok(existsSync(path.join(server.dir, 'mandates-demo.db')), 'no mandates-demo.db in the fresh directory');
    } finally {
      await server.stop();
    }
  });
});
