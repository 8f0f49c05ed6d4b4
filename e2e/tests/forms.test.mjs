// The forms as a person meets them in a real browser (Chromium, no script of ours): a refused
// form opens with its error summary focused, the title starts with "Error:" in the page's
// language, a link of the summary puts the cursor in its field; a date typed as day, month and
// year in three boxes makes the mandate with that date.
//
// 1  citizen A sends the create form (in French) without a type, without the other party and
//    with a month 13: the summary is focused, the title says "Erreur :", its links lead to
//    the other party's box and to the month's box
// 2  A corrects the form, types the last day as 5 / 6 / next year, and creates the mandate:
//    its page shows 05/06/next year
// Every page visited is checked with axe-core (see `Audit`).

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import {
  Audit, PEOPLE,
  clickAndWait, dateValue, here, open, signIn, startStack, step, text,
} from '../lib/pages.mjs';

const B = PEOPLE['citizen-b'];
const TYPE = 'fin.tax_on_web';
const NEXT_YEAR = String(new Date().getUTCFullYear() + 1);
const STEP2 = '/mandates/new?domain=fin&side=mandator';
const STEP2_SUBMIT = 'main form[action="/mandates/review"] button[type=submit]';
const TEST_TIMEOUT = 90_000;

/** The id of the element that has the focus. */
const focused = (page) => page.evaluate(() => document.activeElement?.id ?? '');

describe('forms', () => {
  let stack;

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  test('a refused form: its summary is focused and leads to each field; a date in three boxes is taken', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, 'citizen-a', { locale: 'fr-BE' });
    try {
      await step(page, 'the create form sent with errors', async () => {
        await open(page, stack.base, STEP2);
        assert.ok(!(await page.title()).startsWith('Erreur'), 'a form not yet sent has no error in its title');
        assert.equal(await page.locator('input[type=date]').count(), 0, 'dates are typed in boxes, not picked');
        for (const part of ['day', 'month', 'year']) {
          assert.equal(await page.getAttribute(`#valid_until-${part}`, 'inputmode'), 'numeric');
        }
        assert.equal(await text(page, 'label[for="valid_until-day"]'), 'Jour');
        await page.fill('#other', '');
        await page.fill('#valid_until-day', '31');
        await page.fill('#valid_until-month', '13');
        await page.fill('#valid_until-year', NEXT_YEAR);
        const res = await clickAndWait(page, STEP2_SUBMIT);
        assert.equal(res.status(), 422, `the refused form answered ${res.status()}`);
        assert.equal(here(page), '/mandates/review');
      });

      await step(page, 'the summary has the focus, the title says "Erreur :"', async () => {
        await page.waitForFunction(() => document.activeElement?.id === 'error-summary', null, { timeout: 5_000 })
          .catch(() => {});
        assert.equal(await focused(page), 'error-summary', 'the error summary should have the focus on load');
        assert.ok((await page.title()).startsWith('Erreur : '), `the title should start with "Erreur : "; it is "${await page.title()}"`);
        assert.equal(await text(page, '#error-summary h2'), 'Il y a un problème');
        const links = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
        const byHref = Object.fromEntries(links);
        assert.match(byHref['#other'] ?? '', /^Saisissez le numéro/, `the other party's error says what to enter: ${JSON.stringify(links)}`);
        assert.match(byHref['#valid_until-month'] ?? '', /date de fin qui existe/, `the date's error: ${JSON.stringify(links)}`);
        assert.ok(byHref['#type-1'], `the types' error leads to the first type: ${JSON.stringify(links)}`);
        assert.equal(await page.getAttribute('#valid_until-month', 'aria-invalid'), 'true');
        assert.equal(await page.getAttribute('#valid_until-day', 'aria-invalid'), null, 'only the month is wrong');
        assert.equal(await dateValue(page, 'valid_until'), `${NEXT_YEAR}-13-31`, 'the boxes keep what was typed');
        const border = await page.locator('.field:has(#other)').evaluate((el) => getComputedStyle(el).borderLeftStyle);
        assert.equal(border, 'solid', 'the field in error is marked at its left');
        await audit.check(page, 'create step 2 with errors (fr)', { shot: 'forms-error-summary' });
      });

      await step(page, 'a link of the summary puts the cursor in its field', async () => {
        await page.click('#error-summary a[href="#other"]');
        await page.waitForFunction(() => document.activeElement?.id === 'other', null, { timeout: 5_000 }).catch(() => {});
        assert.equal(await focused(page), 'other', 'the link should focus the other party\'s box');
        await page.click('#error-summary a[href="#valid_until-month"]');
        await page.waitForFunction(() => document.activeElement?.id === 'valid_until-month', null, { timeout: 5_000 }).catch(() => {});
        assert.equal(await focused(page), 'valid_until-month', 'the link should focus the month\'s box');
      });

      await step(page, 'the corrected form, the last day typed as day, month and year', async () => {
        await page.check(`input[name=types][value="${TYPE}"]`);
        await page.fill('#other', B.number);
        await page.fill('#valid_until-day', '5');
        await page.fill('#valid_until-month', '6');
        await page.fill('#valid_until-year', NEXT_YEAR);
        const res = await clickAndWait(page, STEP2_SUBMIT);
        assert.equal(res.status(), 200, `the review answered ${res.status()}`);
        assert.ok(!(await page.title()).startsWith('Erreur'), 'the review has no error');
        assert.ok((await text(page, 'main')).includes(`05/06/${NEXT_YEAR}`), 'the review shows the last day');
        await clickAndWait(page, 'button[name=go][value=sign]');
        assert.match(here(page), /^\/mandates\/[0-9a-f-]{36}\?done=create$/);
        assert.ok((await text(page, 'dl.terms')).includes(`05/06/${NEXT_YEAR}`), 'the mandate ends on the day typed');
        await audit.check(page, 'mandate created from typed dates (fr)');
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });
});
