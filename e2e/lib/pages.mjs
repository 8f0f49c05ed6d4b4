// Helpers for scenario tests of the Mandates web pages: the provider, the server and the
// browser started together, signing in and out through the provider, clicks that wait for
// the next page, an audit of every page visited (axe-core, no script, anti-forgery field on
// every POST form) and failure messages that say where the browser was.

import assert from 'node:assert/strict';

import {
  ACCOUNTS, PASSWORD, checkA11y, freePort, launchBrowser, loginAtProvider, logoutAtProvider, newPage,
  screenshot, startProvider, startServer,
} from './harness.mjs';

/** The languages of the pages, in the order of the buttons in the header. */
export const LANGS = ['nl', 'fr', 'de', 'en'];

/** 85073003328 → 85.07.30-033.28, as the pages show a national number. */
export function formatPerson(nn) {
  return `${nn.slice(0, 2)}.${nn.slice(2, 4)}.${nn.slice(4, 6)}-${nn.slice(6, 9)}.${nn.slice(9)}`;
}

/** 0203201340 → 0203.201.340, as the pages show an enterprise number. */
export function formatEnterprise(kbo) {
  return `${kbo.slice(0, 4)}.${kbo.slice(4, 7)}.${kbo.slice(7)}`;
}

/** Test people: the number as the pages show it alone, and with the name of the claims. */
export const PEOPLE = Object.fromEntries(Object.entries(ACCOUNTS).map(([login, a]) => [login, {
  login,
  number: a.national_number,
  shown: formatPerson(a.national_number),
  name: `${a.given_name} ${a.family_name}`,
  named: `${a.given_name} ${a.family_name} (${formatPerson(a.national_number)})`,
}]));

export const ENTERPRISE = { number: '0203201340', shown: formatEnterprise('0203201340') };

/** Texts the scenarios look for, in the languages the signed-in scenarios use. */
export const TEXT = {
  nl: {
    signedInAs: 'Aangemeld als', pending: 'Wacht op een handtekening', active: 'Van kracht', stopped: 'Stopgezet',
    eventCreated: 'Aangemaakt', eventSigned: 'Ondertekend', eventActivated: 'Van kracht', eventNarrowed: 'Beperkt', eventStopped: 'Stopgezet',
  },
  fr: {
    signedInAs: 'Connecté en tant que', pending: 'En attente de signature', active: 'En vigueur', stopped: 'Arrêté',
  },
  en: {
    signedInAs: 'Signed in as', pending: 'Waiting for a signature', active: 'In force', stopped: 'Stopped',
    eventCreated: 'Created', eventSigned: 'Signed', eventActivated: 'In force', eventNarrowed: 'Narrowed', eventStopped: 'Stopped',
  },
};

/**
 * The OpenID Connect provider and `mandates serve --demo` (fresh database) wired to each
 * other, and a browser. The server's port is chosen first: the provider must know the
 * redirect and post-logout addresses. `env` adds server variables (see `startServer`), or is a
 * function of `{base, provider}` that gives them; `providerEnv(base)` gives the provider's;
 * `args` replaces `serve --demo`.
 */
export async function startStack({ env, providerEnv, args } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startProvider({
    port: await freePort(),
    redirectUri: `${base}/auth/callback`,
    postLogoutUri: `${base}/signed-out`,
    env: providerEnv?.(base),
  });
  let server;
  let browser;
  try {
    const serverEnv = typeof env === 'function' ? env({ base, provider }) : env;
    server = await startServer({
      port, provider, env: serverEnv, args,
    });
    browser = await launchBrowser();
  } catch (err) {
    await server?.stop();
    await provider.stop();
    throw err;
  }
  return {
    base,
    provider,
    server,
    browser,
    async stop() {
      await browser?.close().catch(() => {});
      await server?.stop();
      await provider?.stop();
    },
  };
}

const clip = (s, n = 300) => {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** Where the browser is, in a few words: address, heading, an error box if there is one. */
export async function whereAmI(page) {
  try {
    const info = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      h1: document.querySelector('h1')?.textContent ?? '',
      problem: document.querySelector('.problem, #login-error, #oidc-error')?.textContent ?? '',
      notice: document.querySelector('#outcome, p.notice')?.textContent ?? '',
      body: document.body?.innerText ?? '',
    }));
    const parts = [`at ${page.url()} (lang "${info.lang}")`, `h1 "${clip(info.h1, 120)}"`];
    if (info.problem) parts.push(`problem "${clip(info.problem)}"`);
    if (info.notice) parts.push(`notice "${clip(info.notice)}"`);
    if (!info.h1) parts.push(`text "${clip(info.body)}"`);
    return parts.join(', ');
  } catch (err) {
    return `at ${page.url()} (page not readable: ${err.message})`;
  }
}

let failureCount = 0;

/**
 * Runs one step of a scenario; when it fails, the error says what the step was and where the
 * browser was, and a screenshot `failure-N-<step>.png` is kept.
 */
export async function step(page, what, fn) {
  try {
    return await fn();
  } catch (err) {
    const where = await whereAmI(page);
    failureCount += 1;
    let shot = '';
    try {
      shot = await screenshot(page, `failure-${failureCount}-${what}`);
    } catch { /* the page may be gone */ }
    const wrapped = new Error(`${what}: ${err.message}\n  browser ${where}${shot ? `\n  screenshot ${shot}` : ''}`);
    wrapped.cause = err;
    throw wrapped;
  }
}

/**
 * Clicks and waits for the page that follows (a link or a form submission, through any
 * redirects). Returns the response of the final document.
 */
export async function clickAndWait(page, selector, { timeout = 15_000 } = {}) {
  const target = page.locator(selector);
  const n = await target.count();
  assert.equal(n, 1, `expected one element ${selector} to click, found ${n}`);
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout }),
    target.click({ timeout }),
  ]);
  return response;
}

/** Opens a path of the server and checks the status of the final response. */
export async function open(page, base, path, { status = 200 } = {}) {
  const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), status, `GET ${path} answered ${response.status()} at ${page.url()}, expected ${status}`);
  return response;
}

/** The path and query of the page's address. */
export function here(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/** Text of one element, whitespace collapsed; fails if it is not there. */
export async function text(page, selector) {
  const loc = page.locator(selector);
  const n = await loc.count();
  assert.ok(n >= 1, `no element ${selector} on the page`);
  return clip(await loc.first().textContent(), 10_000);
}

/** Rows of a table as arrays of cell texts. */
export async function tableRows(page, tableSelector) {
  return page.locator(tableSelector).first().evaluate((table) => [...table.querySelectorAll('tbody tr')]
    .map((tr) => [...tr.cells].map((td) => td.textContent.replace(/\s+/g, ' ').trim())));
}

/** The hrefs of the links in the first column of the table in a section of the home page. */
export async function sectionLinks(page, headingId) {
  return page.evaluate((id) => {
    const section = document.getElementById(id)?.closest('section');
    if (!section) return null;
    return [...section.querySelectorAll('table tbody tr td:first-child a')].map((a) => a.getAttribute('href'));
  }, headingId);
}

/** The "what" column of a mandate's history table (the last table of the page). */
export async function historyEvents(page) {
  const rows = await page.evaluate(() => {
    const table = [...document.querySelectorAll('main table')].at(-1);
    if (!table) return null;
    return [...table.querySelectorAll('tbody tr')].map((tr) => tr.cells[1]?.textContent.replace(/\s+/g, ' ').trim());
  });
  assert.ok(rows, 'the mandate page has no history table');
  return rows;
}

/** The hrefs of the action buttons of a mandate page (ul.actions). */
export async function actionLinks(page) {
  return page.locator('ul.actions a.button').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

/**
 * Collects what is wrong with the pages of a scenario instead of stopping at the first page:
 * every page gets axe-core, a check that it has no script but the service's own files and that every POST form carries a
 * non-empty hidden `csrf` field. `assertClean()` at the end fails with the whole list.
 */
export class Audit {
  constructor() {
    this.problems = [];
    this.visited = [];
  }

  async check(page, label, { shot } = {}) {
    const where = here(page);
    this.visited.push({ label, path: where });
    const facts = await page.evaluate(() => ({
      // The pages work without script; the only scripts are files of the service's own.
      scripts: [...document.querySelectorAll('script')]
        .filter((el) => !(el.getAttribute('src') ?? '').startsWith('/static/') || el.textContent.trim()).length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      postForms: [...document.querySelectorAll('form')]
        .filter((f) => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
        .map((f) => ({
          action: f.getAttribute('action'),
          csrf: f.querySelector('input[type=hidden][name=csrf]')?.value ?? null,
        })),
    }));
    const sameOrigin = new URL(page.url()).origin;
    // Only the service's own pages promise no script and a csrf field (not the provider).
    if (!label.startsWith('provider')) {
      if (facts.scripts) this.problems.push(`${label} (${where}): ${facts.scripts} <script> element(s) that are not files of the service (/static/)`);
      if (facts.handlers) this.problems.push(`${label} (${where}): ${facts.handlers} element(s) with on* event attributes`);
      for (const f of facts.postForms) {
        if (!f.csrf) this.problems.push(`${label} (${where}): POST form action="${f.action}" has no hidden csrf value`);
      }
    }
    try {
      await checkA11y(page, label);
    } catch (err) {
      if (!err.violations) throw err;
      this.problems.push(`${err.message} [origin ${sameOrigin}]`);
    }
    if (shot) await screenshot(page, shot);
  }

  assertClean() {
    assert.ok(this.problems.length === 0,
      `${this.problems.length} problem(s) on the pages visited:\n${this.problems.join('\n')}`);
  }
}

/** Asserts the frame every page has: language, language buttons, the person and the menu. */
export async function assertFrame(page, { lang, person, enterprise, representative = false }) {
  const frame = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    langButtons: [...document.querySelectorAll('form[action="/language"] button[name=lang]')].map((b) => b.value),
    person: document.querySelector('header p.person')?.textContent.trim() ?? null,
    logout: document.querySelectorAll('form.logout button').length,
    nav: [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href')),
    acting: document.querySelector('form.acting select#acting-for')?.value ?? null,
  }));
  if (lang) assert.equal(frame.lang, lang, `<html lang> should be "${lang}"`);
  assert.deepEqual(frame.langButtons, LANGS, 'the header should have the four language buttons');
  if (!person) {
    assert.equal(frame.person, null, 'nobody should be shown as signed in');
    assert.equal(frame.logout, 0, 'there should be no sign-out button');
    assert.deepEqual(frame.nav, [], 'there should be no menu');
    return;
  }
  assert.ok(frame.person?.includes(person.shown), `header should say who is signed in (${person.shown}); it says ${JSON.stringify(frame.person)}`);
  if (lang && TEXT[lang]) assert.ok(frame.person.startsWith(TEXT[lang].signedInAs), `"${frame.person}" should start with "${TEXT[lang].signedInAs}"`);
  assert.equal(frame.logout, 1, 'there should be one sign-out button (form.logout)');
  // The pages every citizen and legal representative has ("Mandates I may use" only when
  // there is one).
  const expected = ['/', '/mandates/new', '/access-log'];
  for (const href of expected) assert.ok(frame.nav.includes(href), `menu should link to ${href}; it has ${JSON.stringify(frame.nav)}`);
  assert.equal(frame.nav.includes('/enterprise'), Boolean(enterprise),
    `menu should ${enterprise ? '' : 'not '}link to /enterprise; it has ${JSON.stringify(frame.nav)}`);
  if (representative) {
    assert.equal(frame.acting, enterprise ? enterprise.number : 'self', 'header select #acting-for should show whom one acts for');
  } else {
    assert.equal(frame.acting, null, 'a person without enterprise roles should not get the #acting-for select');
  }
}

/** Clicks the header's button for `lang` and checks that the page came back in it. */
export async function switchLanguage(page, lang) {
  const response = await clickAndWait(page, `form[action="/language"] button[name=lang][value=${lang}]`);
  assert.equal(response.status(), 200, `after choosing ${lang}, ${page.url()} answered ${response.status()}`);
  const now = await page.evaluate(() => document.documentElement.lang);
  assert.equal(now, lang, `after choosing ${lang}, <html lang> is "${now}"`);
  return response;
}

/**
 * A fresh browser context (Accept-Language from `locale`) signed in as `login`: from the
 * welcome page's "Sign in" button (or from `start`, a page that needs sign-in) to the
 * provider and back. With an `audit`, the welcome and provider pages are checked.
 */
export async function signIn(stack, login, {
  locale, start = '/', audit, shots = false,
} = {}) {
  assert.ok(locale, 'signIn: pass the locale (Accept-Language) explicitly');
  const page = await newPage(stack.browser, { locale });
  await step(page, `${login} signs in`, async () => {
    await open(page, stack.base, start);
    if (start === '/') {
      await assertFrame(page, { person: null });
      await audit?.check(page, `welcome (${locale})`, { shot: shots ? `welcome-${locale.slice(0, 2)}` : undefined });
      await clickAndWait(page, 'main a.button[href="/login"]');
    }
    await page.waitForSelector('form#login-form', { timeout: 15_000 });
    assert.equal(new URL(page.url()).origin, new URL(stack.provider.issuer).origin, 'sign-in should go to the provider');
    await audit?.check(page, 'provider sign-in form', { shot: shots ? 'sign-in-provider' : undefined });
    await loginAtProvider(page, login);
    assert.equal(new URL(page.url()).origin, stack.base, `after sign-in the browser should be back at ${stack.base}`);
  });
  return page;
}

/**
 * Signs out with the header button: the service ends its session and sends the browser to
 * the provider's sign-out page, which is confirmed; the browser comes back to the welcome page.
 */
/** The heading of the page a sign-out ends on, per language. */
const SIGNED_OUT = {
  nl: 'U bent afgemeld', fr: 'Vous êtes déconnecté', de: 'Sie sind abgemeldet', en: 'You have signed out',
};

export async function signOut(stack, page, { audit } = {}) {
  await step(page, 'sign out', async () => {
    await clickAndWait(page, 'form.logout button');
    const at = new URL(page.url());
    if (at.origin !== stack.base) {
      assert.equal(at.origin, new URL(stack.provider.issuer).origin, 'sign-out should go to the provider');
      await page.waitForSelector('#logout-confirm');
      await audit?.check(page, 'provider sign-out confirmation');
      await logoutAtProvider(page);
    }
    assert.equal(here(page), '/signed-out', `after sign-out the browser should be at ${stack.base}/signed-out`);
    assert.equal(new URL(page.url()).origin, stack.base);
    await assertFrame(page, { person: null });
    const lang = await page.locator('html').getAttribute('lang');
    assert.equal((await page.locator('main h1').innerText()).trim(), SIGNED_OUT[lang] ?? SIGNED_OUT.en,
      'the page should say that the person has signed out');
    assert.equal(await page.locator('main a.button[href="/login"]').count(), 1, 'the page should offer "Sign in" again');
  });
}

/** A redirect's target, asserting that the answer is one. */
function redirectOf(response, what) {
  assert.ok([301, 302, 303, 307, 308].includes(response.status()),
    `${what} answered ${response.status()}, not a redirect`);
  const { location } = response.headers();
  assert.ok(location, `${what} redirects nowhere`);
  return new URL(location, response.url());
}

/**
 * Signs in at the provider as `login` through the steps a browser takes, with the browser
 * context's cookies: starts at the service's /login, lets `toProvider` alter the
 * authorization request, posts the provider's login form, and returns the address the
 * provider sends the browser back to (the service's callback, not opened yet).
 */
export async function throughProvider(stack, page, login, { toProvider = (u) => u } = {}) {
  const http = page.context().request;
  const providerOrigin = new URL(stack.provider.issuer).origin;
  const started = await http.get(`${stack.base}/login`, { maxRedirects: 0 });
  const authorize = toProvider(redirectOf(started, 'GET /login'));
  assert.equal(authorize.origin, providerOrigin, 'the sign-in goes to the provider');

  const interaction = redirectOf(await http.get(authorize.href, { maxRedirects: 0 }), 'the authorization request');
  assert.match(interaction.pathname, /^\/interaction\/[A-Za-z0-9_-]+$/, `the provider asks for a login at ${interaction}`);
  const form = await http.get(interaction.href);
  assert.equal(form.status(), 200, 'the provider shows its login form');
  assert.match(await form.text(), /id="login-form"/);

  const posted = await http.post(`${interaction.href}/login`, {
    form: { login, password: PASSWORD },
    maxRedirects: 0,
  });
  let next = redirectOf(posted, 'the provider\'s login form');
  // The provider resumes the authorization, then sends the browser back with a code.
  for (let hops = 0; next.origin === providerOrigin; hops += 1) {
    assert.ok(hops < 5, `the provider keeps redirecting (${next})`);
    next = redirectOf(await http.get(next.href, { maxRedirects: 0 }), `GET ${next.pathname}`);
  }
  assert.equal(next.origin + next.pathname, `${stack.base}/auth/callback`, 'the provider sends the browser back');
  assert.ok(next.searchParams.get('code'), `the provider gives a code: ${next}`);
  return next;
}

/** Types an ISO date (`2027-12-31`, or '' for none) into the day, month and year boxes of the date `name`. */
export async function fillDate(page, name, iso) {
  const [year = '', month = '', day = ''] = iso ? iso.split('-') : [];
  await page.fill(`#${name}-day`, day);
  await page.fill(`#${name}-month`, month);
  await page.fill(`#${name}-year`, year);
}

/** The date in the boxes of the date `name`, as ISO (`2027-12-31`; '' when empty). */
export async function dateValue(page, name) {
  const [day, month, year] = await Promise.all(['day', 'month', 'year'].map((p) => page.inputValue(`#${name}-${p}`)));
  if (!day && !month && !year) return '';
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}
