// Scenario tests of the web pages, in a real browser against `mandates serve --demo` on a
// fresh database, signed in through the test OpenID Connect provider. Every page visited is
// checked with axe-core (WCAG 2.1 A/AA and best practices: zero violations), for having no
// script and for a csrf field in every POST form; the main pages are kept as screenshots in
// e2e/screenshots/. The pages' problems of a scenario are listed together at its end.
//
// 1-3  citizen A proposes a mandate to citizen B, B signs it, A narrows it and stops it
// 4    the representative of an enterprise acts for it, then in their own name again
// 5    the language: Accept-Language, the header buttons (home, the three create steps), the cookie
// 6    the "not found" page and the create form with errors (422)
// (2 also visits B's inbox, the notification settings with an error, and the demo mailbox)

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { SCREENSHOT_DIR, a11yResults, newPage } from '../lib/harness.mjs';
import {
  Audit, ENTERPRISE, PEOPLE, TEXT,
  actionLinks, assertFrame, clickAndWait, dateValue, fillDate, here, historyEvents, open,
  sectionLinks, signIn, signOut, startStack, step, switchLanguage, tableRows, text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const REP = PEOPLE['company-rep'];

const TYPE = 'fin.myminfin_consult';
// The last day of next year (2027-12-31 in 2026), narrowed to the 30th of June of that year.
const NEXT_YEAR = new Date().getUTCFullYear() + 1;
const UNTIL = `${NEXT_YEAR}-12-31`;
const NARROWER_UNTIL = `${NEXT_YEAR}-06-30`;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// The pages show dates as day, month, year.
const shownDate = (iso) => {
  const [y, m, d] = iso.split('-');
  return new RegExp(`${d}[./-]${m}[./-]${y}`);
};

const TEST_TIMEOUT = 90_000;

/**
 * Notes (without failing) when a field's error text is not tied to the field the way step 2
 * of the create form does it: aria-describedby naming the error and aria-invalid.
 */
async function noteFieldError(t, page, field) {
  const info = await page.evaluate((f) => {
    const input = document.getElementById(f);
    return {
      describedBy: input?.getAttribute('aria-describedby') ?? '',
      invalid: input?.getAttribute('aria-invalid') ?? null,
      error: Boolean(document.getElementById(`${f}-error`)),
    };
  }, field);
  if (!info.error) {
    t.diagnostic(`note: ${here(page)}: no #${field}-error element`);
    return;
  }
  if (!info.describedBy.split(/\s+/).includes(`${field}-error`) || info.invalid !== 'true') {
    t.diagnostic(`note: ${here(page)}: #${field} has aria-describedby="${info.describedBy}" aria-invalid=${info.invalid}; `
      + `its error #${field}-error is not tied to it (step 2 of the create form ties them)`);
  }
}

/** Fills step 2 of the create form. */
async function fillStep2(page, {
  types = [TYPE], other, until = UNTIL, reference,
}) {
  for (const t of types) await page.check(`input[name=types][value="${t}"]`);
  await page.fill('#other', other);
  await fillDate(page, 'valid_until', until);
  if (reference !== undefined) await page.fill('#reference', reference);
}

const STEP2_SUBMIT = 'main form[action="/mandates/review"] button[type=submit]';
const CONFIRM_SUBMIT = 'main form div.actions button[type=submit]';

describe('web pages', () => {
  let stack;

  before(async () => {
    // Failure screenshots of an earlier run would mislead.
    const old = await readdir(SCREENSHOT_DIR).catch(() => []);
    await Promise.all(old.filter((f) => f.startsWith('failure-')).map((f) => rm(path.join(SCREENSHOT_DIR, f), { force: true })));
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
    // The pages axe-core looked at, with their violations, for the record.
    const record = a11yResults.map((r) => ({ ...r, url: r.url.replace(/id_token_hint=[^&]*/, 'id_token_hint=…') }));
    await writeFile(path.join(SCREENSHOT_DIR, 'a11y-pages.json'), `${JSON.stringify(record, null, 1)}\n`)
      .catch(() => {});
  });

  describe('a mandate from proposal to stop', () => {
    const shared = { id: null };

    test('1. citizen A signs in, proposes a mandate to B and signs out', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await signIn(stack, 'citizen-a', { locale: 'nl-BE', audit, shots: true });
      try {
        await step(page, 'the home page after sign-in', async () => {
          assert.equal(here(page), '/', 'a citizen without enterprise roles should land on the home page');
          await assertFrame(page, { lang: 'nl', person: A });
          assert.equal(await page.locator('h1').count(), 1, 'the home page should have one h1');
          for (const id of ['mine-heading', 'theirs-heading', 'transfers-heading', 'all-heading']) {
            assert.equal(await page.locator(`section h2#${id}`).count(), 1, `the home page should have a section h2#${id}`);
          }
          for (const sel of ['input#q', 'select#status', 'select#role', 'select#domain', 'form.filters button[type=submit]']) {
            assert.equal(await page.locator(sel).count(), 1, `the search form should have ${sel}`);
          }
          assert.equal(await page.locator('a[href^="/mandates.csv?"]').count(), 1, 'the home page should link to the CSV download');
          const all = await sectionLinks(page, 'all-heading');
          assert.ok(all?.length > 0, 'the demo data should give citizen A some mandates under "all mandates"');
          for (const href of all) assert.match(href, new RegExp(`^/mandates/${UUID}$`));
          await audit.check(page, 'home (A, nl)', { shot: 'home-citizen-a' });
        });

        await step(page, 'create, step 1', async () => {
          await clickAndWait(page, 'nav a[href="/mandates/new"]');
          assert.equal(here(page), '/mandates/new');
          const domains = await page.locator('input[type=radio][name=domain]').evaluateAll((es) => es.map((e) => e.value));
          for (const d of ['fin', 'ehealth', 'vlaanderen']) assert.ok(domains.includes(d), `step 1 should offer domain ${d}; it offers ${domains}`);
          const sides = await page.locator('input[type=radio][name=side]').evaluateAll((es) => es.map((e) => e.value));
          assert.deepEqual(sides, ['mandator', 'mandatee']);
          await audit.check(page, 'create step 1 (A, nl)', { shot: 'create-step1' });
          await page.check('input[name=domain][value=fin]');
          await page.check('input[name=side][value=mandator]');
          await clickAndWait(page, 'main form[action="/mandates/new"] button[type=submit]');
          assert.equal(here(page), '/mandates/new?domain=fin&side=mandator');
        });

        await step(page, 'create, step 2', async () => {
          for (const sel of [`input[type=checkbox][name=types][value="${TYPE}"]`, 'input#other',
            'input#valid_from-day', 'input#valid_from-month', 'input#valid_from-year',
            'input#valid_until-day', 'input#valid_until-month', 'input#valid_until-year', 'input#reference']) {
            assert.equal(await page.locator(sel).count(), 1, `step 2 should have ${sel}`);
          }
          await audit.check(page, 'create step 2 (A, nl)', { shot: 'create-step2' });
          await fillStep2(page, { other: B.number, reference: 'e2e' });
          const res = await clickAndWait(page, STEP2_SUBMIT);
          assert.equal(res.status(), 200, `the review answered ${res.status()}`);
          assert.equal(here(page), '/mandates/review');
        });

        const checkReview = async (label, shot) => {
          assert.ok((await text(page, 'p.summary')).includes(B.shown), 'the summary should name B');
          const carried = await page.locator('form[action="/mandates/create"] input[type=hidden][name=types]')
            .evaluateAll((es) => es.map((e) => e.value));
          assert.deepEqual(carried, [TYPE], 'the review should carry exactly the chosen type');
          assert.equal(await page.locator('#answers ul.review-types > li').count(), 1, 'the review should list the one chosen type');
          const terms = await text(page, '#answers');
          assert.match(terms, shownDate(UNTIL), 'the review should show the last day');
          assert.ok(terms.includes('e2e'), 'the review should show the reference');
          assert.equal(await page.locator('button[name=go][value=sign]').count(), 1, 'the review should have "Sign and send"');
          assert.equal(await page.locator('#answers button[name=go][value=edit-valid_until]').count(), 1, 'the review should have a button to change the last day');
          await audit.check(page, label, { shot });
        };

        await step(page, 'the review', () => checkReview('review (A, nl)', 'review'));

        await step(page, '"change" on the review goes back to step 2 with the answers kept', async () => {
          await clickAndWait(page, 'button[name=go][value=edit-valid_until]');
          assert.equal(new URL(page.url()).hash, '#valid_until', 'step 2 should open at the last day');
          assert.ok(await page.isChecked(`input[name=types][value="${TYPE}"]`), 'the chosen type should still be checked');
          assert.equal((await page.inputValue('#other')).replace(/\D/g, ''), B.number);
          assert.equal(await dateValue(page, 'valid_until'), UNTIL);
          assert.equal(await page.inputValue('#reference'), 'e2e');
          await audit.check(page, 'create step 2 again after "change" (A, nl)');
          await clickAndWait(page, STEP2_SUBMIT);
          assert.equal(here(page), '/mandates/review');
          await checkReview('review again (A, nl)');
        });

        await step(page, 'sign and send', async () => {
          await clickAndWait(page, 'button[name=go][value=sign]');
          const m = here(page).match(new RegExp(`^/mandates/(${UUID})\\?done=create$`));
          assert.ok(m, `after "Sign and send" the address should be /mandates/<id>?done=create; it is ${here(page)}`);
          [, shared.id] = m;
          assert.ok((await text(page, '#outcome h1')).length > 0, 'a confirmation should say the mandate was created');
          assert.ok((await text(page, 'p.status')).includes(TEXT.nl.pending), `the status should be "${TEXT.nl.pending}"`);
          const terms = await text(page, 'dl.terms');
          assert.ok(terms.includes(A.shown) && terms.includes(B.shown), 'the terms should name A and B');
          assert.ok(terms.includes('e2e'), 'the terms should show the reference');
          assert.match(terms, shownDate(UNTIL));
          const actions = await actionLinks(page);
          for (const href of actions) assert.match(href, new RegExp(`^/mandates/${shared.id}/(sign|reject|withdraw|modify|transfer|stop)$`));
          assert.ok(actions.includes(`/mandates/${shared.id}/withdraw`), `A may withdraw the proposal; actions: ${actions}`);
          assert.ok(!actions.includes(`/mandates/${shared.id}/sign`), `A has signed already; actions: ${actions}`);
          const events = await historyEvents(page);
          assert.deepEqual(events.map((e) => e.split(':')[0]), [TEXT.nl.eventCreated, TEXT.nl.eventSigned], 'created with A\'s signature');
          await audit.check(page, 'mandate, just created (A, nl)', { shot: 'mandate' });
        });

        await step(page, 'the withdraw confirmation, cancelled', async () => {
          const href = `/mandates/${shared.id}`;
          await clickAndWait(page, `ul.actions a[href="${href}/withdraw"]`);
          assert.equal(here(page), `${href}/withdraw`);
          assert.ok((await text(page, 'p.consequence')).includes(B.shown), 'the consequence should name B');
          await audit.check(page, 'confirm withdraw (A, nl)');
          await clickAndWait(page, `main div.actions a[href="${href}"]`);
          assert.equal(here(page), href, 'cancel should go back to the mandate');
          assert.ok((await text(page, 'p.status')).includes(TEXT.nl.pending), 'cancelling changes nothing');
        });

        await step(page, 'the home page lists it under "waiting for the other party"', async () => {
          await clickAndWait(page, 'nav a[href="/"]');
          const href = `/mandates/${shared.id}`;
          assert.ok((await sectionLinks(page, 'theirs-heading'))?.includes(href), 'the new mandate should be under "waiting for the other party"');
          assert.ok(!(await sectionLinks(page, 'mine-heading') ?? []).includes(href), 'the new mandate should not be under "waiting for my signature"');
          assert.ok((await sectionLinks(page, 'all-heading'))?.includes(href), 'the new mandate should be under "all mandates"');
          await audit.check(page, 'home with the new mandate (A, nl)');
        });

        await step(page, 'search and CSV download', async () => {
          await page.fill('#q', B.number);
          await page.selectOption('#status', 'pending');
          await clickAndWait(page, 'form.filters button[type=submit]');
          const params = new URL(page.url()).searchParams;
          assert.equal(params.get('q'), B.number);
          assert.equal(params.get('status'), 'pending');
          const rows = await page.evaluate(() => [...document.getElementById('all-heading').closest('section')
            .querySelectorAll('table tbody tr')].map((tr) => ({
            other: tr.cells[0].textContent.trim(),
            href: tr.cells[0].querySelector('a')?.getAttribute('href'),
            status: tr.querySelector('strong.tag')?.className ?? '',
          })));
          assert.ok(rows.some((r) => r.href === `/mandates/${shared.id}`), 'the search should find the new mandate');
          for (const r of rows) {
            // Waiting for B's signature: B has signed none of them, so B shows by number alone.
            assert.equal(r.other, B.shown, `every row found should be with B, by number: ${JSON.stringify(r)}`);
            assert.match(r.status, /tag-pending/, `every row found should be pending: ${JSON.stringify(r)}`);
          }
          await audit.check(page, 'home, search results (A, nl)');

          const csvHref = await page.locator('a[href^="/mandates.csv?"]').getAttribute('href');
          assert.match(csvHref, /status=pending/, 'the CSV link should carry the filters');
          const res = await page.request.get(`${stack.base}${csvHref}`);
          assert.equal(res.status(), 200);
          assert.match(res.headers()['content-type'], /^text\/csv/);
          const lines = (await res.text()).trim().split(/\r?\n/);
          assert.match(lines[0], /^id,/, 'the CSV should start with its header line');
          assert.ok(lines.some((l) => l.startsWith(shared.id) && l.includes('e2e') && l.includes('pending')),
            `the CSV should have the new mandate:\n${lines.join('\n')}`);
        });

        await step(page, 'executor and access log pages', async () => {
          // A may use no mandate: the menu does not offer the page, which says so when opened.
          assert.equal(await page.locator('nav a[href="/executor"]').count(), 0, 'no "Mandates I may use" in the menu');
          await open(page, stack.base, '/executor');
          await assertFrame(page, { lang: 'nl', person: A });
          assert.equal(await page.locator('main table').count(), 0, 'nothing to list');
          await audit.check(page, 'executor, nothing to use (A, nl)');
          await clickAndWait(page, 'nav a[href="/access-log"]');
          assert.equal(here(page), '/access-log');
          await assertFrame(page, { lang: 'nl', person: A });
          await audit.check(page, 'access log (A, nl)', { shot: 'access-log' });
        });

        await signOut(stack, page, { audit });
        await audit.check(page, 'signed out (nl)');
        await step(page, 'the accessibility statement, linked from the footer', async () => {
          await clickAndWait(page, 'footer a[href="/accessibility"]');
          assert.equal(here(page), '/accessibility');
          await audit.check(page, 'accessibility statement (nl)');
        });

        await step(page, 'after sign-out a mandate page asks to sign in again', async () => {
          await page.goto(`${stack.base}/mandates/${shared.id}`);
          assert.equal(new URL(page.url()).origin, new URL(stack.provider.issuer).origin,
            'the mandate page should send a signed-out visitor to the provider');
          assert.equal(await page.locator('form#login-form').count(), 1);
        });
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });

    test('2. citizen B signs the mandate', { timeout: TEST_TIMEOUT }, async (t) => {
      if (!shared.id) { t.skip('scenario 1 did not create the mandate'); return; }
      const audit = new Audit();
      const href = `/mandates/${shared.id}`;
      const page = await signIn(stack, 'citizen-b', { locale: 'en-GB', audit });
      try {
        let before;
        await step(page, 'B finds it under "waiting for my signature"', async () => {
          assert.equal(here(page), '/');
          await assertFrame(page, { lang: 'en', person: B });
          assert.ok((await sectionLinks(page, 'mine-heading'))?.includes(href), 'the mandate should be under "waiting for my signature"');
          await audit.check(page, 'home (B, en)', { shot: 'home-citizen-b' });
          await clickAndWait(page, `section:has(#mine-heading) a[href="${href}"]`);
          assert.equal(here(page), href);
          before = {
            status: await text(page, 'p.status'),
            events: await historyEvents(page),
          };
          assert.ok(before.status.includes(TEXT.en.pending), `the status should be "${TEXT.en.pending}"; it is "${before.status}"`);
          const actions = await actionLinks(page);
          assert.ok(actions.includes(`${href}/sign`), `B may sign; actions: ${actions}`);
          assert.ok(actions.includes(`${href}/reject`), `B may reject; actions: ${actions}`);
          assert.ok(!actions.includes(`${href}/stop`), `a proposal cannot be stopped; actions: ${actions}`);
          await audit.check(page, 'mandate to sign (B, en)');
        });

        await step(page, 'B is told in the inbox, sets how mail comes, and the demo mailbox', async () => {
          const inboxLink = page.locator('nav a[href="/inbox"]');
          assert.match(await inboxLink.innerText(), /unread/, 'the header should count the unread notice');
          await clickAndWait(page, 'nav a[href="/inbox"]');
          assert.equal(here(page), '/inbox');
          assert.ok((await page.locator(`ul.notices a[href="${href}"]`).count()) > 0, 'the inbox should link to the mandate');
          await audit.check(page, 'inbox (B, en)', { shot: 'inbox' });
          const notice = await page.locator('ul.notices h2 a').first().getAttribute('href');
          await clickAndWait(page, `ul.notices h2 a[href="${notice}"]`);
          assert.match(here(page), new RegExp(`^/inbox/${UUID}$`));
          await audit.check(page, 'one notice (B, en)');

          await clickAndWait(page, 'nav a[href="/settings/notifications"]');
          await audit.check(page, 'notification settings (B, en)', { shot: 'settings' });
          await page.fill('#email', 'not an address');
          await clickAndWait(page, 'main form button[type=submit]');
          assert.equal(await page.locator('#error-summary a[href="#email"]').count(), 1, 'the error summary should lead to the field');
          await noteFieldError(t, page, 'email');
          await audit.check(page, 'notification settings with an error (B, en)');
          await page.fill('#email', 'citizen-b@example.test');
          await clickAndWait(page, 'main form button[type=submit]');
          assert.equal(here(page), '/settings/notifications?saved=1');

          await open(page, stack.base, '/demo/mailbox');
          await audit.check(page, 'demo mailbox (en)');
          await open(page, stack.base, href);
        });

        await step(page, 'the reject confirmation, cancelled', async () => {
          await clickAndWait(page, `ul.actions a[href="${href}/reject"]`);
          assert.equal(here(page), `${href}/reject`);
          assert.ok((await text(page, 'p.consequence')).includes(A.shown), 'the consequence should name A');
          await audit.check(page, 'confirm reject (B, en)');
          await clickAndWait(page, `main div.actions a[href="${href}"]`);
          assert.equal(here(page), href, 'cancel should go back to the mandate');
        });

        await step(page, 'the confirmation page of signing', async () => {
          await clickAndWait(page, `ul.actions a[href="${href}/sign"]`);
          assert.equal(here(page), `${href}/sign`);
          const consequence = await text(page, 'p.consequence');
          assert.ok(consequence.includes(A.shown), `the consequence should name A: "${consequence}"`);
          assert.ok((await text(page, 'dl.terms')).length > 0);
          assert.equal(await page.locator(`main form[method=post][action="${href}/sign"] ${CONFIRM_SUBMIT.replace('main form ', '')}`).count(), 1,
            'the confirmation form should post to the action');
          await audit.check(page, 'confirm signing (B, en)', { shot: 'confirm-sign' });
        });

        await step(page, 'signing', async () => {
          await clickAndWait(page, CONFIRM_SUBMIT);
          assert.equal(here(page), `${href}?done=sign`);
          assert.ok((await text(page, '#outcome h1')).length > 0, 'a confirmation should say the signature was recorded');
          const status = await text(page, 'p.status');
          assert.notEqual(status, before.status, 'the status should change');
          assert.ok(status.includes(TEXT.en.active), `the status should be "${TEXT.en.active}"; it is "${status}"`);
          const events = await historyEvents(page);
          const count = (es) => es.filter((e) => e === TEXT.en.eventActivated).length;
          assert.equal(count(events), count(before.events) + 1, `the history should gain an "${TEXT.en.eventActivated}" row: ${JSON.stringify(events)}`);
          assert.ok(events.length > before.events.length);
          const actions = await actionLinks(page);
          assert.ok(!actions.includes(`${href}/sign`), `nothing left to sign; actions: ${actions}`);
          assert.ok(await page.locator('main table').count() >= 2, 'signatures and history tables');
          await audit.check(page, 'mandate signed (B, en)', { shot: 'mandate-signed' });
        });

        await step(page, 'the home page no longer asks B to sign', async () => {
          await clickAndWait(page, 'nav a[href="/"]');
          assert.ok(!((await sectionLinks(page, 'mine-heading')) ?? []).includes(href));
          assert.ok((await sectionLinks(page, 'all-heading'))?.includes(href));
          await audit.check(page, 'home after signing (B, en)');
        });

        await step(page, 'B finds it among the mandates B may use', async () => {
          await clickAndWait(page, 'nav a[href="/executor"]');
          assert.equal(here(page), '/executor');
          const own = await page.evaluate(() => [...document.querySelectorAll('section:has(#own-heading) tbody tr td:first-child a')]
            .map((a) => a.getAttribute('href')));
          assert.ok(own.includes(href), `the mandate in force should be listed as given to B: ${JSON.stringify(own)}`);
          await audit.check(page, 'mandates B may use (B, en)', { shot: 'executor' });
        });
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });

    test('3. citizen A narrows the mandate, then stops it', { timeout: TEST_TIMEOUT }, async (t) => {
      if (!shared.id) { t.skip('scenario 1 did not create the mandate'); return; }
      const audit = new Audit();
      const href = `/mandates/${shared.id}`;
      // Straight to the mandate: sign-in first, then back to it.
      const page = await signIn(stack, 'citizen-a', { locale: 'nl-BE', start: href, audit });
      try {
        await step(page, 'back at the mandate after sign-in', async () => {
          assert.equal(here(page), href, 'after sign-in the browser should return to the page that asked for it');
          await assertFrame(page, { lang: 'nl', person: A });
          assert.ok((await text(page, 'p.status')).includes(TEXT.nl.active), `the status should be "${TEXT.nl.active}"`);
          const actions = await actionLinks(page);
          assert.ok(actions.includes(`${href}/modify`), `A may change it; actions: ${actions}`);
          assert.ok(actions.includes(`${href}/stop`), `A may stop it; actions: ${actions}`);
          await audit.check(page, 'mandate in force (A, nl)');
        });

        await step(page, 'a change with a last day before the first day is refused', async () => {
          await clickAndWait(page, `ul.actions a[href="${href}/modify"]`);
          await fillDate(page, 'valid_until', '2020-01-01');
          const res = await clickAndWait(page, CONFIRM_SUBMIT);
          assert.equal(res.status(), 422, `the refused change answered ${res.status()}`);
          assert.equal(here(page), `${href}/modify`);
          assert.equal(await page.locator('div.error-summary a[href="#valid_until-day"]').count(), 1,
            'the error summary should lead to the last day');
          const describedBy = await page.locator('fieldset:has(#valid_until-day)').getAttribute('aria-describedby');
          assert.ok(describedBy.split(/\s+/).includes('valid_until-error'), `the date should be described by its error: ${describedBy}`);
          assert.equal(await page.getAttribute('#valid_until-day', 'aria-invalid'), 'true');
          await audit.check(page, 'confirm change, refused (A, nl)', { shot: 'confirm-modify-refused' });
          await open(page, stack.base, href);
          assert.ok((await text(page, 'p.status')).includes(TEXT.nl.active));
          assert.match(await text(page, 'dl.terms'), shownDate(UNTIL), 'a refused change changes nothing');
        });

        await step(page, 'a transfer to an invalid number is refused', async () => {
          const actions = await actionLinks(page);
          assert.ok(actions.includes(`${href}/transfer`), `the mandator may transfer; actions: ${actions}`);
          await clickAndWait(page, `ul.actions a[href="${href}/transfer"]`);
          assert.equal(here(page), `${href}/transfer`);
          assert.equal(await page.locator('input#mandatee').count(), 1, 'the transfer asks for the new mandatee');
          assert.ok((await text(page, 'p.consequence')).length > 0);
          await audit.check(page, 'confirm transfer (A, nl)', { shot: 'confirm-transfer' });
          await page.fill('#mandatee', '1234');
          const res = await clickAndWait(page, CONFIRM_SUBMIT);
          assert.equal(res.status(), 422, `the refused transfer answered ${res.status()}`);
          assert.equal(here(page), `${href}/transfer`);
          assert.equal(await page.locator('p.field-error#mandatee-error').count(), 1, 'the refusal should show p.field-error#mandatee-error');
          await noteFieldError(t, page, 'mandatee');
          await audit.check(page, 'confirm transfer, refused (A, nl)');
          await clickAndWait(page, `main div.actions a[href="${href}"]`);
          assert.equal(here(page), href);
        });

        let eventsBefore;
        await step(page, 'narrowing: an earlier last day', async () => {
          eventsBefore = await historyEvents(page);
          await clickAndWait(page, `ul.actions a[href="${href}/modify"]`);
          assert.equal(here(page), `${href}/modify`);
          assert.ok((await text(page, 'p.consequence')).length > 0);
          assert.ok(await page.isChecked(`input[type=checkbox][name=types][value="${TYPE}"]`), 'the current type should be checked');
          assert.equal(await dateValue(page, 'valid_until'), UNTIL);
          await audit.check(page, 'confirm change (A, nl)', { shot: 'confirm-modify' });
          await fillDate(page, 'valid_until', NARROWER_UNTIL);
          await clickAndWait(page, CONFIRM_SUBMIT);
          assert.equal(here(page), `${href}?done=modify`);
          assert.ok((await text(page, '#outcome h1')).length > 0, 'a confirmation should say what was done');
          assert.ok((await text(page, 'p.status')).includes(TEXT.nl.active), 'a narrowing keeps the mandate in force');
          assert.match(await text(page, 'dl.terms'), shownDate(NARROWER_UNTIL), 'the narrowing takes effect at once');
          const events = await historyEvents(page);
          assert.equal(events.length, eventsBefore.length + 1, `one history row more: ${JSON.stringify(events)}`);
          assert.equal(events.at(-1).split(':')[0], TEXT.nl.eventNarrowed);
          assert.match(events.at(-1), shownDate(NARROWER_UNTIL), 'the history should say what the narrowing changed');
          await audit.check(page, 'mandate narrowed (A, nl)', { shot: 'mandate-modified' });
        });

        await step(page, 'stopping', async () => {
          eventsBefore = await historyEvents(page);
          await clickAndWait(page, `ul.actions a[href="${href}/stop"]`);
          assert.equal(here(page), `${href}/stop`);
          assert.ok((await text(page, 'p.consequence')).includes(B.shown), 'the consequence should name B');
          await audit.check(page, 'confirm stop (A, nl)', { shot: 'confirm-stop' });
          await clickAndWait(page, CONFIRM_SUBMIT);
          assert.equal(here(page), `${href}?done=stop`);
          assert.ok((await text(page, '#outcome h1')).length > 0, 'a confirmation should say what was done');
          const status = await text(page, 'p.status');
          assert.ok(status.includes(TEXT.nl.stopped), `the status should be "${TEXT.nl.stopped}"; it is "${status}"`);
          const actions = await actionLinks(page);
          assert.ok(!actions.includes(`${href}/stop`) && !actions.includes(`${href}/modify`), `a stopped mandate has no stop or change; actions: ${actions}`);
          const events = await historyEvents(page);
          assert.equal(events.length, eventsBefore.length + 1, `one history row more: ${JSON.stringify(events)}`);
          // Created and signed by A, signed by B (then in force), narrowed, stopped.
          assert.deepEqual(events.map((e) => e.split(':')[0]), [
            TEXT.nl.eventCreated, TEXT.nl.eventSigned, TEXT.nl.eventSigned, TEXT.nl.eventActivated,
            TEXT.nl.eventNarrowed, TEXT.nl.eventStopped,
          ], 'the history should show each step');
          await audit.check(page, 'mandate stopped (A, nl)', { shot: 'mandate-stopped' });
        });

        await step(page, 'the home page shows it stopped', async () => {
          await clickAndWait(page, 'nav a[href="/"]');
          const row = await page.evaluate((h) => {
            const a = document.querySelector(`#all-heading ~ .table-wrap a[href="${h}"], section:has(#all-heading) a[href="${h}"]`);
            return a?.closest('tr')?.querySelector('strong.tag')?.className ?? null;
          }, href);
          assert.match(row ?? '', /tag-stopped/, 'the mandate should be listed as stopped');
          await audit.check(page, 'home after stopping (A, nl)');
        });
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });
  });

  test('4. the representative acts for the enterprise, then in their own name', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, 'company-rep', { locale: 'fr-BE', audit });
    try {
      await step(page, 'the choice of whom to act for', async () => {
        assert.match(here(page), /^\/acting-as\?return_to=/, 'a representative should be asked whom they act for');
        await assertFrame(page, { lang: 'fr', person: REP, representative: true });
        const values = await page.locator('main input[type=radio][name=party]').evaluateAll((es) => es.map((e) => e.value));
        assert.deepEqual(values, ['self', ENTERPRISE.number]);
        await audit.check(page, 'acting as (rep, fr)', { shot: 'acting-as' });
        await page.check(`main input[name=party][value="${ENTERPRISE.number}"]`);
        await clickAndWait(page, 'main form[action="/acting-as"] button[type=submit]');
        assert.equal(here(page), '/');
      });

      await step(page, 'the enterprise\'s mandates', async () => {
        await assertFrame(page, {
          lang: 'fr', person: REP, enterprise: ENTERPRISE, representative: true,
        });
        const all = await sectionLinks(page, 'all-heading');
        assert.ok(all?.length > 0, 'the demo data should give the enterprise mandates');
        await audit.check(page, 'home for the enterprise (rep, fr)', { shot: 'home-enterprise' });
      });

      await step(page, 'the enterprise roster', async () => {
        await clickAndWait(page, 'nav a[href="/enterprise"]');
        assert.equal(here(page), '/enterprise');
        assert.ok((await text(page, 'h1')).includes(ENTERPRISE.shown), 'the h1 should name the enterprise');
        const rows = await tableRows(page, 'main table');
        assert.ok(rows.length > 0, 'the roster should not be empty');
        assert.ok(rows.some((r) => r[0] === REP.named), `the roster should list the representative by name: ${JSON.stringify(rows)}`);
        await audit.check(page, 'enterprise roster (rep, fr)', { shot: 'enterprise' });
      });

      await step(page, 'executor and access log for the enterprise', async () => {
        await open(page, stack.base, '/executor');
        await audit.check(page, 'executor (enterprise, fr)');
        await clickAndWait(page, 'nav a[href="/access-log"]');
        await audit.check(page, 'access log (enterprise, fr)', { shot: 'access-log-enterprise' });
      });

      await step(page, 'back to their own name with the header select', async () => {
        await page.selectOption('form.acting select#acting-for', 'self');
        await clickAndWait(page, 'form.acting button[type=submit]');
        assert.equal(new URL(page.url()).origin, stack.base);
        assert.equal(here(page), '/');
        await assertFrame(page, { lang: 'fr', person: REP, representative: true });
        await audit.check(page, 'home in own name (rep, fr)');
        const res = await open(page, stack.base, '/enterprise', { status: 403 });
        assert.ok(res);
        assert.equal(await page.locator('main a[href="/"]').count(), 1, 'the refusal should link back home');
        await audit.check(page, 'enterprise roster refused in own name (rep, fr)');
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  describe('5. language', () => {
    test('Accept-Language picks the language, Dutch by default', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      for (const [locale, lang] of [['ja-JP', 'nl'], ['fr-BE', 'fr'], ['de-BE', 'de'], ['en-US', 'en']]) {
        const page = await newPage(stack.browser, { locale });
        try {
          await step(page, `welcome page with Accept-Language ${locale}`, async () => {
            await open(page, stack.base, '/');
            await assertFrame(page, { lang, person: null });
            assert.equal(await page.locator('main a.button[href="/login"]').count(), 1, 'the welcome page should link to /login');
            await audit.check(page, `welcome (Accept-Language ${locale})`, { shot: `welcome-${lang}` });
          });
        } finally {
          await page.context().close();
        }
      }
      audit.assertClean();
    });

    test('the header buttons switch the home page and the create pages, and the choice is kept', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await signIn(stack, 'citizen-b', { locale: 'nl-BE' });
      const ORDER = ['fr', 'de', 'en', 'nl'];
      // The texts seen per page and language: every language should read differently.
      const seen = {};
      const record = (pageName, lang, value) => {
        seen[pageName] ??= {};
        seen[pageName][lang] = value;
      };
      const switchAndCheck = async (pageName, lang, selector, shot) => {
        const beforeText = await text(page, selector);
        await switchLanguage(page, lang);
        await assertFrame(page, { lang, person: B });
        const after = await text(page, selector);
        record(pageName, lang, after);
        if (after === beforeText) {
          audit.problems.push(`${pageName} (${here(page)}): after choosing "${lang}", ${selector} still reads "${after}"`);
        }
        await audit.check(page, `${pageName} (${lang})`, { shot });
      };

      try {
        await step(page, 'home page in four languages', async () => {
          assert.equal(here(page), '/');
          await assertFrame(page, { lang: 'nl', person: B });
          record('home', 'nl', await text(page, 'h1'));
          for (const lang of ORDER) await switchAndCheck('home', lang, 'h1', `home-${lang}`);
        });

        await step(page, 'the choice is kept in a cookie', async () => {
          await switchLanguage(page, 'fr');
          const cookies = await page.context().cookies(stack.base);
          const langCookie = cookies.find((c) => c.value === 'fr');
          assert.ok(langCookie, `a cookie should keep "fr": ${JSON.stringify(cookies.map((c) => c.name))}`);
          const other = await page.context().newPage();
          try {
            await open(other, stack.base, '/executor');
            assert.equal(await other.evaluate(() => document.documentElement.lang), 'fr',
              'another page of the same browser should come in the chosen language despite Accept-Language nl');
          } finally {
            await other.close();
          }
          await switchLanguage(page, 'nl');
        });

        await step(page, 'create step 1 in four languages', async () => {
          await clickAndWait(page, 'nav a[href="/mandates/new"]');
          record('create step 1', 'nl', await text(page, 'main fieldset legend'));
          for (const lang of ORDER) await switchAndCheck('create step 1', lang, 'main fieldset legend', `create-step1-${lang}`);
        });

        await step(page, 'create step 2 and the review in four languages', async () => {
          const step2 = '/mandates/new?domain=fin&side=mandator';
          await open(page, stack.base, step2);
          record('create step 2', 'nl', await text(page, 'label[for=other]'));
          for (const lang of ORDER) {
            if (here(page) !== step2) await open(page, stack.base, step2);
            await switchAndCheck('create step 2', lang, 'label[for=other]', `create-step2-${lang}`);
            assert.equal(here(page), step2, 'the language switch should come back to step 2');
            await fillStep2(page, { other: A.number, reference: `lang-${lang}` });
            const res = await clickAndWait(page, STEP2_SUBMIT);
            assert.equal(res.status(), 200, `the review in ${lang} answered ${res.status()}`);
            assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `the review should be in ${lang}`);
            record('review', lang, await text(page, 'h1'));
            await audit.check(page, `review (${lang})`, { shot: `review-${lang}` });
          }
        });

        for (const [pageName, texts] of Object.entries(seen)) {
          const byText = {};
          for (const [lang, value] of Object.entries(texts)) (byText[value] ??= []).push(lang);
          for (const [value, langs] of Object.entries(byText)) {
            if (langs.length > 1) audit.problems.push(`${pageName}: languages ${langs.join(', ')} read the same: "${value}"`);
          }
        }
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });

    test('the header buttons on pages that answer a form keep the page', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await signIn(stack, 'citizen-b', { locale: 'en-GB' });
      const step2 = '/mandates/new?domain=fin&side=mandator';
      // Each page is reached by submitting a form; then the header button of another language.
      const cases = [
        {
          name: 'the review',
          lang: 'fr',
          async reach() {
            await open(page, stack.base, step2);
            await fillStep2(page, { other: A.number, reference: 'lang-review' });
            const res = await clickAndWait(page, STEP2_SUBMIT);
            assert.equal(res.status(), 200);
            assert.equal(here(page), '/mandates/review');
          },
        },
        {
          name: 'step 2 with errors',
          lang: 'de',
          async reach() {
            await open(page, stack.base, step2);
            await page.fill('#other', '1234');
            const res = await clickAndWait(page, STEP2_SUBMIT);
            assert.equal(res.status(), 422);
            assert.equal(here(page), '/mandates/review');
          },
        },
        {
          name: 'step 2 after "change" on the review',
          lang: 'nl',
          async reach() {
            await open(page, stack.base, step2);
            await fillStep2(page, { other: A.number, reference: 'lang-change' });
            await clickAndWait(page, STEP2_SUBMIT);
            await clickAndWait(page, 'button[name=go][value=edit-other]');
            assert.equal(here(page), '/mandates/create');
          },
        },
      ];
      try {
        for (const c of cases) {
          await step(page, `choosing ${c.lang} on ${c.name}`, async () => {
            await c.reach();
            const from = here(page);
            const res = await clickAndWait(page, `form[action="/language"] button[name=lang][value=${c.lang}]`);
            const lang = await page.evaluate(() => document.documentElement.lang);
            if (res.status() >= 400 || lang !== c.lang) {
              const body = (await page.evaluate(() => document.body?.innerText ?? '')).replace(/\s+/g, ' ').slice(0, 200);
              audit.problems.push(`${c.name} (${from}): the "${c.lang}" button led to GET ${here(page)} answering `
                + `${res.status()} ${res.headers()['content-type']}, <html lang="${lang}">, "${body}"; `
                + `expected ${c.name} (or the form's first step) in "${c.lang}"`);
            } else {
              await audit.check(page, `${c.name} after choosing ${c.lang}`);
            }
          });
        }
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });
  });

  describe('6. error pages', () => {
    test('an unknown address gives a 404 page in the visitor\'s language', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await newPage(stack.browser, { locale: 'fr-BE' });
      try {
        await step(page, 'GET /nope', async () => {
          await open(page, stack.base, '/nope', { status: 404 });
          await assertFrame(page, { lang: 'fr', person: null });
          assert.ok((await text(page, 'h1')).length > 0, 'the 404 page should have an h1');
          assert.equal(await page.locator('main a[href="/"]').count(), 1, 'the 404 page should link back home');
          await audit.check(page, 'not found (fr)', { shot: 'not-found-fr' });
        });
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });

    test('a page address opened with GET that takes only POST gives an error page (or the form\'s first step), not JSON', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await signIn(stack, 'citizen-b', { locale: 'fr-BE' });
      try {
        // The steps of the create form start over at step 1 when opened by address.
        for (const path of ['/mandates/review', '/mandates/create']) {
          await step(page, `GET ${path}`, async () => {
            const res = await page.goto(`${stack.base}${path}`);
            assert.equal(res.status(), 200);
            assert.equal(here(page), '/mandates/new');
            assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
            await audit.check(page, `GET ${path} starts over (fr)`);
          });
        }
        for (const path of ['/language', '/logout']) {
          await step(page, `GET ${path}`, async () => {
            const res = await page.goto(`${stack.base}${path}`);
            const type = res.headers()['content-type'] ?? '';
            const lang = await page.evaluate(() => document.documentElement.lang);
            const backHome = await page.locator('main a[href="/"]').count();
            if (!type.startsWith('text/html') || lang !== 'fr' || !backHome) {
              const body = (await page.evaluate(() => document.body?.innerText ?? '')).replace(/\s+/g, ' ').slice(0, 160);
              audit.problems.push(`GET ${path} (Accept text/html, signed in, language fr) answered ${res.status()} ${type}, `
                + `<html lang="${lang}">, "${body}"; expected an HTML page in French with a link back home (like the 404 page)`);
            } else {
              await audit.check(page, `GET ${path} (fr)`);
            }
          });
        }
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });

    test('the create form with errors answers 422 and lists them', { timeout: TEST_TIMEOUT }, async () => {
      const audit = new Audit();
      const page = await signIn(stack, 'citizen-a', { locale: 'en-GB' });
      try {
        await step(page, 'step 2 without a type and with a bad number', async () => {
          await open(page, stack.base, '/mandates/new?domain=fin&side=mandator');
          await page.fill('#other', '1234');
          await fillDate(page, 'valid_until', UNTIL);
          const res = await clickAndWait(page, STEP2_SUBMIT);
          assert.equal(res.status(), 422, `the invalid form answered ${res.status()}`);
          assert.equal(here(page), '/mandates/review');
          const box = page.locator('div.error-summary[role=alert]');
          assert.equal(await box.count(), 1, 'one div.error-summary[role=alert] should list the errors');
          const links = await box.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
          for (const target of ['#type-1', '#other']) {
            assert.ok(links.includes(target), `the error list should link to ${target}; it links to ${JSON.stringify(links)}`);
          }
          for (const target of links) {
            assert.equal(await page.locator(target).count(), 1, `the error link ${target} should point to an element of the page`);
          }
          assert.ok(await page.locator('p.field-error').count() >= 2, 'each field with an error should have a p.field-error');
          assert.equal(await page.getAttribute('#other', 'aria-invalid'), 'true');
          assert.equal(await page.inputValue('#other'), '1234', 'the answer should be kept');
          assert.equal(await dateValue(page, 'valid_until'), UNTIL, 'the answer should be kept');
          await audit.check(page, 'create step 2 with errors (en)', { shot: 'create-invalid' });
        });
      } finally {
        await page.context().close();
      }
      audit.assertClean();
    });
  });
});
