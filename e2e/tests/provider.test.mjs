// The service set up for a real identity provider as the README says, outside demo mode:
// people sign in to the pages through the provider, and the API accepts the access tokens the
// provider issues for it (RFC 8707 resource indicator as audience, the national number in a
// claim of its own, the login level in `acr`), and refuses what is not such a token.
//
// The provider (oidc-provider.mjs) issues JWT access tokens for the resource
// OIDC_API_RESOURCE; the API's token below is got the way an application gets one for its
// user: an authorization request with `resource` and the scope `mandates`, the user's login
// at the provider, and the code exchanged at the token endpoint.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { CLIENT_ID, CLIENT_SECRET } from '../lib/harness.mjs';
import {
  Audit, PEOPLE, assertFrame, signIn, signOut, startStack, step, throughProvider,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const TEST_TIMEOUT = 90_000;
const b64url = (buf) => Buffer.from(buf).toString('base64url');

let stack;
before(async () => {
  // The README's recipe: [login] for the pages, [auth] for the API, nothing of the demo.
  stack = await startStack({
    args: ['serve'],
    providerEnv: (base) => ({ OIDC_API_RESOURCE: base }),
    env: ({ base, provider }) => ({
      MANDATES_LOGIN__COOKIE_KEY: randomBytes(32).toString('base64'),
      MANDATES_AUTH__ISSUER: provider.issuer,
      MANDATES_AUTH__AUDIENCE: base,
      MANDATES_AUTH__NATIONAL_NUMBER_CLAIM: 'national_number',
    }),
  });
});
after(async () => {
  await stack?.stop();
});

/**
 * An access token for the API, for `login`, as an application gets one: the authorization
 * request asks for the API (`resource`) and its scope with the application's own PKCE
 * challenge; the code that comes back is exchanged at the token endpoint.
 */
async function apiToken(page, login, { resource = stack.base } = {}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const callback = await throughProvider(stack, page, login, {
    toProvider: (url) => {
      const asked = new URL(url);
      asked.searchParams.set('scope', 'openid mandates');
      asked.searchParams.set('code_challenge', challenge);
      if (resource) asked.searchParams.set('resource', resource);
      return asked;
    },
  });
  const discovery = await (await fetch(`${stack.provider.issuer}/.well-known/openid-configuration`)).json();
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code'),
    redirect_uri: `${stack.base}/auth/callback`,
    code_verifier: verifier,
  });
  if (resource) form.set('resource', resource);
  const answer = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  const tokens = await answer.json();
  assert.equal(answer.status, 200, `the token endpoint answered ${answer.status}: ${JSON.stringify(tokens)}`);
  return tokens;
}

const api = (token, path, init = {}) => fetch(`${stack.base}${path}`, {
  ...init,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
});

test('outside demo mode, the pages sign in through the provider and the API takes its access tokens', { timeout: TEST_TIMEOUT }, async () => {
  const audit = new Audit();
  const page = await signIn(stack, A.login, { locale: 'en-GB', audit });
  await assertFrame(page, { lang: 'en', person: A });

  const other = await stack.browser.newContext({ locale: 'en-GB' });
  try {
    const side = await other.newPage();
    const { access_token: token, id_token: idToken } = await step(side, 'B gets an access token for the API', () => apiToken(side, B.login));
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.equal(claims.aud, stack.base, 'the token is for the API');
    assert.equal(claims.national_number, B.number);

    const until = `${new Date().getUTCFullYear() + 1}-12-31`;
    const created = await step(side, 'B asks A for a mandate through the API', async () => {
      const res = await api(token, '/api/v1/mandates', {
        method: 'POST',
        body: JSON.stringify({
          domain: 'fin', types: ['fin.myminfin_consult'], mandator: A.number, mandatee: B.number, valid_until: until,
        }),
      });
      const body = await res.json();
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.deepEqual(body.awaiting, ['mandator'], 'signed by B with the login level the provider gave');
      return body;
    });

    await step(side, 'what is not an access token for this API is refused', async () => {
      // Another browser: the provider would sign this one in again without its login form.
      const fresh = await stack.browser.newContext({ locale: 'en-GB' });
      try {
        const { access_token: opaque } = await apiToken(await fresh.newPage(), B.login, { resource: null });
        for (const [what, bearer] of [['the ID token', idToken], ['an access token without the API as audience', opaque]]) {
          const res = await api(bearer, '/api/v1/mandates');
          assert.equal(res.status, 401, `${what} answered ${res.status}`);
        }
      } finally {
        await fresh.close();
      }
    });

    await step(page, 'A sees it waiting for her signature on the pages', async () => {
      await page.reload({ waitUntil: 'load' });
      const links = await page.locator(`section:has(#mine-heading) a[href="/mandates/${created.id}"]`).count();
      assert.ok(links >= 1, `the home page lists ${created.id} under "waiting for my signature"`);
      await audit.check(page, 'home (outside demo mode)');
    });
  } finally {
    await other.close();
  }
  await signOut(stack, page, { audit });
  audit.assertClean();
});
