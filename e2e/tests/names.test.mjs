// Parties by name, in a real browser signed in through the test OpenID Connect provider: the
// name in A's ID token shows in the header; a mandate with a newcomer (a citizen the demo data
// does not know) shows the newcomer's number alone until the newcomer has signed in and signed
// the mandate (a person's name is not learned by proposing them a mandate), then "Name (number)"
// in A's list, on the mandate page and in its title. Every page visited is
// audited (axe-core, no script, a csrf field in every POST form).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Audit, PEOPLE, assertFrame, clickAndWait, fillDate, here, open, signIn, startStack, step, text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const NEWCOMER = PEOPLE.newcomer;
const TYPE = 'fin.myminfin_consult';
const TYPE_NAME = 'View the tax file (MyMinfin)';
const UNTIL = `${new Date().getUTCFullYear() + 1}-12-31`;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TEST_TIMEOUT = 90_000;

/** The text of the first column's link to mandate `id` on the home page (null: no such row). */
async function otherOfRow(page, id) {
  return page.evaluate((href) => {
    const link = document.querySelector(`main table tbody tr td:first-child a[href="${href}"]`);
    return link ? link.textContent.replace(/\s+/g, ' ').trim() : null;
  }, `/mandates/${id}`);
}

describe('parties by name', () => {
  let stack;

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  test('A\'s name comes from the claims; the newcomer\'s shows once they have signed the mandate', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, A.login, { locale: 'en-GB', audit });
    let newcomer;
    let id;
    try {
      await step(page, 'the header names A as the claims do', async () => {
        assert.equal(here(page), '/');
        await assertFrame(page, { lang: 'en', person: A });
        assert.equal(await text(page, 'header p.person'), `Signed in as ${A.named}`);
        assert.equal(await text(page, 'main h1'), 'My mandates');
        await audit.check(page, 'home (A, en)');
      });

      await step(page, 'A proposes a mandate to the newcomer', async () => {
        await open(page, stack.base, '/mandates/new?domain=fin&side=mandator');
        await page.check(`input[name=types][value="${TYPE}"]`);
        await page.fill('#other', NEWCOMER.number);
        await fillDate(page, 'valid_until', UNTIL);
        await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
        assert.equal(here(page), '/mandates/review');
        await clickAndWait(page, 'button[name=go][value=sign]');
        const m = here(page).match(new RegExp(`^/mandates/(${UUID})\\?done=create$`));
        assert.ok(m, `after "Sign and send" the address should be a mandate's; it is ${here(page)}`);
        [, id] = m;
      });

      await step(page, 'before the newcomer signed in: the number alone', async () => {
        // The mandate's own page (after sending, its confirmation leads instead).
        await open(page, stack.base, `/mandates/${id}`);
        assert.equal(await text(page, 'main h1'), `${TYPE_NAME}: ${NEWCOMER.shown} for ${A.name}`);
        assert.equal(await page.title(), `${TYPE_NAME}: ${NEWCOMER.shown} for ${A.name} · Mandates`);
        const terms = await text(page, 'dl.terms');
        assert.ok(terms.includes(A.named), `the terms should name A: "${terms}"`);
        assert.ok(terms.includes(NEWCOMER.shown) && !terms.includes(NEWCOMER.name),
          `the terms should show the newcomer's number alone: "${terms}"`);
        await audit.check(page, 'mandate, newcomer not named yet (A, en)');
        await clickAndWait(page, 'nav a[href="/"]');
        assert.equal(await otherOfRow(page, id), NEWCOMER.shown, 'the list shows the newcomer\'s number alone');
        await audit.check(page, 'home, newcomer not named yet (A, en)');
      });

      newcomer = await signIn(stack, NEWCOMER.login, { locale: 'en-GB', audit });
      await step(newcomer, 'the newcomer is named in their header', async () => {
        assert.equal(here(newcomer), '/');
        await assertFrame(newcomer, { lang: 'en', person: NEWCOMER });
        assert.equal(await text(newcomer, 'header p.person'), `Signed in as ${NEWCOMER.named}`);
        await audit.check(newcomer, 'home (newcomer, en)');
      });

      await step(page, 'signed in but not signed: still the number alone', async () => {
        await page.reload({ waitUntil: 'load' });
        assert.equal(await otherOfRow(page, id), NEWCOMER.shown, 'proposing a mandate does not reveal a name');
      });

      await step(newcomer, 'the newcomer signs the mandate', async () => {
        await open(newcomer, stack.base, `/mandates/${id}/sign`);
        await clickAndWait(newcomer, 'main form div.actions button[type=submit]');
        assert.match(here(newcomer), new RegExp(`^/mandates/${id}\\?done=sign$`));
      });

      await step(page, 'once the newcomer signed it: by name', async () => {
        await page.reload({ waitUntil: 'load' });
        assert.equal(await otherOfRow(page, id), NEWCOMER.named, 'the list names the newcomer');
        await audit.check(page, 'home, newcomer named (A, en)');
        await clickAndWait(page, `main a[href="/mandates/${id}"] >> nth=0`);
        assert.equal(await text(page, 'main h1'), `${TYPE_NAME}: ${NEWCOMER.name} for ${A.name}`);
        assert.ok((await text(page, 'dl.terms')).includes(NEWCOMER.named), 'the terms name the newcomer');
        await audit.check(page, 'mandate, newcomer named (A, en)');
      });
    } finally {
      await newcomer?.context().close();
      await page.context().close();
    }
    audit.assertClean();
  });
});
