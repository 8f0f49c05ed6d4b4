// Sign-in through the OpenID Connect provider, refused when what comes back does not belong to
// the sign-in the service started: a callback with another `state`, an ID token with another
// `nonce` than the one asked for, a code whose PKCE challenge is not the service's. Each is
// refused with a page that says the sign-in failed and to sign in again (not a "provider
// unavailable" page), and nobody is signed in. An unaltered sign-in through the same steps
// succeeds, so that each refusal has its one reason.
//
// The steps: the service's redirect from /login is read without following it; the
// authorization request may be altered on its way to the provider; the provider's login form is
// posted as the browser would; the provider's redirect back may be altered; the browser then
// opens the callback address, with the cookie the service set at the first step.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { newPage } from '../lib/harness.mjs';
import {
  Audit, PEOPLE, assertFrame, open, startStack, step, text, throughProvider,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const TEST_TIMEOUT = 60_000;

// The service's messages, in English (the browser's locale below).
const LOGIN_FAILED = 'The sign-in failed: the answer of the identity provider could not be verified. Sign in again.';
const LOGIN_EXPIRED = 'The sign-in took too long or was started elsewhere. Sign in again.';
const PROVIDER_UNAVAILABLE = 'the identity provider does not answer';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** An authorization request with one parameter replaced. */
const replacing = (name, value) => (url) => {
  const altered = new URL(url);
  assert.ok(altered.searchParams.get(name), `the authorization request has a ${name}`);
  altered.searchParams.set(name, value);
  return altered;
};

describe('sign-in through the provider', () => {
  let stack;

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  /**
   * Opens the callback in the browser and checks the refusal: a 403 page with `message`, not
   * the "provider unavailable" page, and nobody signed in afterwards.
   */
  async function assertRefused(page, callback, message, label) {
    const audit = new Audit();
    await step(page, `the callback is refused (${label})`, async () => {
      const response = await page.goto(callback.href, { waitUntil: 'load' });
      assert.equal(response.status(), 403, `the callback answered ${response.status()}`);
      const problem = await text(page, '.problem');
      assert.equal(problem, message);
      assert.ok(!problem.includes(PROVIDER_UNAVAILABLE), 'not a "provider unavailable" page');
      await assertFrame(page, { lang: 'en', person: null });
      await audit.check(page, `sign-in refused (${label})`);
    });
    await step(page, `nobody is signed in (${label})`, async () => {
      await open(page, stack.base, '/');
      await assertFrame(page, { person: null });
      assert.equal(await page.locator('main a.button[href="/login"]').count(), 1, 'the welcome page offers "Sign in"');
    });
    audit.assertClean();
  }

  test('an unaltered sign-in through the same steps signs in', { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage(stack.browser, { locale: 'en-GB' });
    try {
      const callback = await step(page, 'sign in at the provider', () => throughProvider(stack, page, A.login));
      await step(page, 'the callback signs in', async () => {
        const response = await page.goto(callback.href, { waitUntil: 'load' });
        assert.equal(response.status(), 200);
        assert.equal(new URL(page.url()).origin, stack.base);
        await assertFrame(page, { lang: 'en', person: A });
      });
    } finally {
      await page.context().close();
    }
  });

  test('a callback with another state is refused', { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage(stack.browser, { locale: 'en-GB' });
    try {
      const callback = await step(page, 'sign in at the provider', () => throughProvider(stack, page, A.login));
      const altered = replacing('state', b64url(randomBytes(16)))(callback);
      await assertRefused(page, altered, LOGIN_EXPIRED, 'state');
    } finally {
      await page.context().close();
    }
  });

  test('an ID token with another nonce than the one asked for is refused', { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage(stack.browser, { locale: 'en-GB' });
    try {
      const callback = await step(page, 'sign in at the provider with another nonce', () => throughProvider(
        stack,
        page,
        A.login,
        { toProvider: replacing('nonce', b64url(randomBytes(16))) },
      ));
      await assertRefused(page, callback, LOGIN_FAILED, 'nonce');
    } finally {
      await page.context().close();
    }
  });

  test('a code whose PKCE challenge is not the service\'s is refused', { timeout: TEST_TIMEOUT }, async () => {
    const page = await newPage(stack.browser, { locale: 'en-GB' });
    try {
      // The challenge of a verifier that only this test knows.
      const challenge = b64url(createHash('sha256').update(b64url(randomBytes(32))).digest());
      const callback = await step(page, 'sign in at the provider with another code_challenge', () => throughProvider(
        stack,
        page,
        A.login,
        { toProvider: replacing('code_challenge', challenge) },
      ));
      await assertRefused(page, callback, LOGIN_FAILED, 'PKCE');
    } finally {
      await page.context().close();
    }
  });
});
