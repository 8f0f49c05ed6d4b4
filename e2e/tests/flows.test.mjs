// The flows of the pages in a real browser against `mandates serve --demo` on a fresh
// database, signed in through the test OpenID Connect provider, every page checked with
// axe-core (see pages.mjs):
//
// A and B below are the README's walk-through: A is the demo's citizen B, who gives the income
// tax return to nobody, B the demo's citizen A, who gives it to an accounting office.
//
// 1  A creates a mandate for B with the first type on offer: check your answers, a
//    "Change" back to one answer (all kept), sign and send, the confirmation
// 2  B signs it from the list on the home page: the confirmation says it is in force
// 3  A proposes an earlier end date with one more type; B sees before → after, then signs
// 4  B, who gives the income tax return to an accounting office in the demo data, is warned
//    when choosing it for someone else, with the way forward (transfer or stop that mandate)

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import {
  Audit, PEOPLE, actionLinks, clickAndWait, here, historyEvents, open, sectionLinks, signIn, startStack, step,
  text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-b'];
const B = PEOPLE['citizen-a'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const OFFICE = '0412.345.614';
// The office of the demo data, by the name the register gives it.
const OFFICE_NAMED = `Numbers & Co (${OFFICE})`;
const TEST_TIMEOUT = 90_000;
// The 30th of June of next year, as typed and as shown.
const NEXT_YEAR = new Date().getUTCFullYear() + 1;
const END = `${NEXT_YEAR}-06-30`;
const END_SHOWN = `30/06/${NEXT_YEAR}`;

/**
 * Types a date into a form's date field, whether it is one field (`name`) or one field each
 * for the day, the month and the year.
 */
async function fillDate(page, name, iso) {
  const [y, m, d] = iso.split('-');
  const single = page.locator(`input[name="${name}"]`);
  if (await single.count() === 1) {
    await single.fill(iso);
    return;
  }
  for (const [part, value] of [['day', d], ['month', m], ['year', y]]) {
    const input = page.locator(`input[name^="${name}"][name*="${part}"]`);
    assert.equal(await input.count(), 1, `one field for the ${part} of ${name}`);
    await input.fill(value);
  }
}

describe('flows', () => {
  let stack;
  const shared = { id: null };

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  test('1. A creates a mandate for B: check your answers, a change, the confirmation', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, A.login, { locale: 'en-GB' });
    try {
      await step(page, 'steps 1 and 2 with the first type on offer', async () => {
        await clickAndWait(page, 'nav a[href="/mandates/new"]');
        await clickAndWait(page, 'main form[action="/mandates/new"] button[type=submit]');
        assert.equal(here(page), '/mandates/new?domain=fin&side=mandator');
        assert.equal(await page.locator('.held').count(), 0, 'A gives no exclusive type to anyone: no warning');
        await page.locator('input[name=types]').first().check();
        await page.fill('#other', B.number);
        await page.fill('#reference', 'flows');
        await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
        assert.equal(here(page), '/mandates/review');
      });

      await step(page, 'check your answers', async () => {
        const answers = await text(page, '#answers');
        for (const said of ['Who gives', `${A.named} (you)`, 'Who receives', B.shown, 'Tax-on-web', 'No end date', 'flows']) {
          assert.ok(answers.includes(said), `the answers should say "${said}": ${answers}`);
        }
        const changes = await page.locator('#answers button[name=go]').evaluateAll((bs) => bs.map((b) => b.value));
        assert.deepEqual(changes, ['edit-other', 'edit-types', 'edit-valid_from', 'edit-valid_until', 'edit-reference']);
        await audit.check(page, 'check your answers (A, en)', { shot: 'flows-check-answers' });
      });

      await step(page, '"Change" the reference: step 2 at that field, every answer kept', async () => {
        await clickAndWait(page, '#answer-reference button[name=go]');
        assert.equal(new URL(page.url()).hash, '#reference', 'the page should open at the reference');
        assert.equal(await page.inputValue('#reference'), 'flows');
        assert.equal((await page.inputValue('#other')).replace(/\D/g, ''), B.number);
        assert.ok(await page.locator('input[name=types]').first().isChecked(), 'the type should still be chosen');
        await audit.check(page, 'step 2 after "Change" (A, en)');
        await page.fill('#reference', 'flows 2');
        await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
        assert.ok((await text(page, '#answer-reference')).includes('flows 2'));
      });

      await step(page, 'sign and send: the confirmation', async () => {
        await clickAndWait(page, 'button[name=go][value=sign]');
        const m = here(page).match(new RegExp(`^/mandates/(${UUID})\\?done=create$`));
        assert.ok(m, `after "Sign and send": ${here(page)}`);
        [, shared.id] = m;
        assert.equal(await text(page, '#outcome h1'), 'Mandate sent for signature');
        assert.equal(await text(page, '#outcome .mandate-number'), shared.id);
        assert.ok((await text(page, '#outcome')).includes('flows 2'), 'the panel shows my reference');
        const next = await text(page, '#next');
        assert.match(next, new RegExp(`${B.shown.replace(/\./g, '\\.')} must sign before \\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d`));
        assert.ok(next.includes(`We have told ${B.shown}`), next);
        assert.equal(await page.locator('h1').count(), 1);
        await audit.check(page, 'confirmation of the creation (A, en)', { shot: 'flows-created' });
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('2. B signs it from the list on the home page', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!shared.id) { t.skip('scenario 1 did not create the mandate'); return; }
    const audit = new Audit();
    const href = `/mandates/${shared.id}`;
    const page = await signIn(stack, B.login, { locale: 'en-GB' });
    try {
      await step(page, 'from "waiting for my signature" to signing', async () => {
        assert.ok((await sectionLinks(page, 'mine-heading'))?.includes(href), 'waiting for B\'s signature');
        await clickAndWait(page, `section:has(#mine-heading) a[href="${href}"]`);
        await clickAndWait(page, `ul.actions a[href="${href}/sign"]`);
        await clickAndWait(page, 'main form div.actions button[type=submit]');
        assert.equal(here(page), `${href}?done=sign`);
        assert.equal(await text(page, '#outcome h1'), 'Mandate signed');
        const next = await text(page, '#next');
        assert.ok(next.includes('The mandate is in force now'), next);
        assert.ok(next.includes(`We have told ${A.shown}`), next);
        await audit.check(page, 'confirmation of the signature (B, en)', { shot: 'flows-signed' });
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('3. A proposes an earlier end date and one more type; B sees the change before signing', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!shared.id) { t.skip('scenario 1 did not create the mandate'); return; }
    const audit = new Audit();
    const href = `/mandates/${shared.id}`;
    const a = await signIn(stack, A.login, { locale: 'en-GB', start: href });
    try {
      await step(a, 'A proposes the change', async () => {
        await clickAndWait(a, `ul.actions a[href="${href}/modify"]`);
        await a.check('input[name=types][value="fin.myminfin_consult"]');
        await fillDate(a, 'valid_until', END);
        await clickAndWait(a, 'main form div.actions button[type=submit]');
        assert.equal(here(a), `${href}?done=modify`);
        assert.equal(await text(a, '#outcome h1'), 'Change proposed');
        assert.ok((await text(a, '#next')).includes(`${B.shown} must sign the change before`));
        const status = await text(a, 'p.status');
        assert.ok(status.includes(`Your proposed change waits for the signature of ${B.named}`), status);
        assert.ok(!status.includes('Sign'), `the proposer is not asked to sign: ${status}`);
        await audit.check(a, 'change proposed (A, en)');
      });
    } finally {
      await a.context().close();
    }
    const b = await signIn(stack, B.login, { locale: 'en-GB' });
    try {
      await step(b, 'B sees the change on the mandate and where he signs it', async () => {
        assert.ok((await sectionLinks(b, 'mine-heading'))?.includes(href), 'the change waits for B\'s signature');
        await clickAndWait(b, `section:has(#mine-heading) a[href="${href}"]`);
        for (const where of ['mandate', 'sign']) {
          if (where === 'sign') await clickAndWait(b, `ul.actions a[href="${href}/sign"]`);
          const changes = await text(b, '#changes');
          for (const said of ['Types added', 'MyMinfin', 'End date', `no end date → ${END_SHOWN}`]) {
            assert.ok(changes.includes(said), `${where}: the change should say "${said}": ${changes}`);
          }
          await audit.check(b, `the change on the ${where} page (B, en)`, { shot: `flows-change-${where}` });
        }
        await clickAndWait(b, 'main form div.actions button[type=submit]');
        assert.equal(await text(b, '#outcome h1'), 'Change signed: the new terms are in force');
        const events = await historyEvents(b);
        assert.ok(events.some((e) => e.startsWith('Change signed: added') && e.includes(END_SHOWN)),
          `the history should say what the change changed: ${JSON.stringify(events)}`);
        assert.ok((await actionLinks(b)).every((l) => !l.endsWith('/sign')), 'nothing left to sign');
        await audit.check(b, 'change signed (B, en)');
      });
    } finally {
      await b.context().close();
    }
    audit.assertClean();
  });

  test('4. B is warned that the type is already given to the office, with the way forward', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, B.login, { locale: 'en-GB' });
    try {
      let ways;
      await step(page, 'step 2 flags the type at its choice', async () => {
        await open(page, stack.base, '/mandates/new?domain=fin&side=mandator');
        const choice = page.locator('.choice:has(input[value="fin.tax_on_web"])');
        const warning = await choice.locator('.held').innerText();
        assert.ok(warning.includes(`already given to ${OFFICE_NAMED}`), warning);
        ways = await choice.locator('.held a').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
        assert.ok(ways.some((h) => new RegExp(`^/mandates/${UUID}/transfer$`).test(h)), `a way to transfer: ${ways}`);
        assert.ok(ways.some((h) => new RegExp(`^/mandates/${UUID}/stop$`).test(h)), `a way to stop: ${ways}`);
        await audit.check(page, 'step 2 with a warning (B, en)', { shot: 'flows-held-step2' });
      });
      await step(page, 'check your answers warns again; the way forward leads to the transfer', async () => {
        await page.check('input[name=types][value="fin.tax_on_web"]');
        await page.fill('#other', A.number);
        await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
        assert.ok((await text(page, '#held')).includes(`already given to ${OFFICE_NAMED}`));
        await audit.check(page, 'check your answers with a warning (B, en)', { shot: 'flows-held-review' });
        const transfer = ways.find((h) => h.endsWith('/transfer'));
        await clickAndWait(page, `#held a[href="${transfer}"]`);
        assert.equal(here(page), transfer);
        assert.equal(await page.locator('input#mandatee').count(), 1, 'the transfer asks for the new mandatee');
        await audit.check(page, 'the transfer offered by the warning (B, en)');
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });
});
