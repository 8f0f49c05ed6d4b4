// Finding one's way, in a real browser signed in through the provider: a newcomer's first home
// page says what they can do instead of empty lists, and citizen B signs a mandate from the
// "Sign" link of its row on the home list. Every page is audited (axe-core, no script, csrf).

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import {
  Audit, PEOPLE, TEXT, assertFrame, clickAndWait, here, signIn, signOut, startStack, step, text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const NEW = PEOPLE.newcomer;

const TEST_TIMEOUT = 90_000;
const CONFIRM_SUBMIT = 'main form div.actions button[type=submit]';

describe('finding one\'s way', () => {
  let stack;

  before(async () => {
    stack = await startStack();
  });

  after(async () => {
    await stack?.stop();
  });

  test('a newcomer signs in and is told what they can do', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, NEW.login, { locale: 'en-GB', audit });
    try {
      await step(page, 'the first home page says what one can do', async () => {
        assert.equal(here(page), '/', 'a citizen without enterprise roles should land on the home page');
        await assertFrame(page, { lang: 'en', person: NEW });
        assert.equal(await page.locator('section h2#start-heading').count(), 1, 'a section says what one can do');
        for (const id of ['mine-heading', 'theirs-heading', 'transfers-heading', 'all-heading']) {
          assert.equal(await page.locator(`#${id}`).count(), 0, `no empty section #${id}`);
        }
        assert.equal(await page.getByText('Nothing here.').count(), 0, 'no "Nothing here." lists');
        const steps = await page.locator('section:has(#start-heading) ol li').allTextContents();
        assert.equal(steps.length, 3, `three things to know: ${JSON.stringify(steps)}`);
        assert.match(steps[0], /^Give someone the right to act for you/);
        assert.match(steps[1], /other party then signs/);
        assert.match(steps[2], /appears on this page.*"Mandates I may use"/);
        assert.equal(await page.locator('nav a[href="/executor"]').count(), 0, 'nothing to use yet: not in the menu');
        await audit.check(page, 'first home page (newcomer, en)', { shot: 'home-newcomer' });
      });

      await step(page, 'it leads to giving a mandate', async () => {
        await clickAndWait(page, 'section:has(#start-heading) a.button[href="/mandates/new"]');
        assert.equal(here(page), '/mandates/new');
        await audit.check(page, 'create, step 1 (newcomer, en)');
      });

      await signOut(stack, page, { audit });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('citizen B signs from the "Sign" link of a row on the home list', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, B.login, { locale: 'en-GB', audit });
    try {
      let href;
      await step(page, 'the row waiting for B offers "Sign", named for screen readers', async () => {
        assert.equal(here(page), '/');
        await assertFrame(page, { lang: 'en', person: B });
        const links = await page.locator('section:has(#mine-heading) a.row-action').evaluateAll((as) => as.map((a) => ({
          href: a.getAttribute('href'),
          shown: a.firstChild?.textContent.trim() ?? '',
          hidden: a.querySelector('.visually-hidden')?.textContent.trim() ?? '',
        })));
        assert.ok(links.length > 0, 'the demo gives B mandates to sign');
        for (const l of links) {
          assert.equal(l.shown, 'Sign', `a row waiting for B's signature says "Sign": ${JSON.stringify(l)}`);
          assert.match(l.href, /^\/mandates\/[0-9a-f-]{36}\/sign$/);
          assert.match(l.hidden, /^the mandate with /, `the hidden text names the mandate: ${JSON.stringify(l)}`);
        }
        // The one citizen A asks B to sign.
        const fromA = links.find((l) => l.hidden.includes(A.shown));
        assert.ok(fromA, `a row names citizen A: ${JSON.stringify(links)}`);
        href = fromA.href;
        const tags = await page.locator('section:has(#mine-heading) strong.tag').allTextContents();
        assert.ok(tags.every((tg) => tg === TEXT.en.pending), `every row waiting for B is "${TEXT.en.pending}": ${tags}`);
        await audit.check(page, 'home with rows to sign (B, en)', { shot: 'home-rows-to-sign' });
      });

      await step(page, 'the link opens the signature, and B signs', async () => {
        await clickAndWait(page, `section:has(#mine-heading) a.row-action[href="${href}"]`);
        assert.equal(here(page), href);
        assert.equal(await page.locator('dl.terms strong.tag.tag-pending').count(), 1, 'the status as a tag');
        await audit.check(page, 'confirm signing from the row (B, en)');
        await clickAndWait(page, CONFIRM_SUBMIT);
        const mandate = href.replace(/\/sign$/, '');
        assert.equal(here(page), `${mandate}?done=sign`);
        const status = await text(page, 'p.status strong.tag');
        assert.equal(status, TEXT.en.active, `now in force: "${status}"`);
        await audit.check(page, 'mandate signed from the row (B, en)');
      });

      await step(page, 'the home page no longer asks B to sign it, and opens it instead', async () => {
        await clickAndWait(page, 'nav a[href="/"]');
        assert.equal(await page.locator(`a.row-action[href="${href}"]`).count(), 0, 'nothing left to sign');
        const mandate = href.replace(/\/sign$/, '');
        const open = page.locator(`section:has(#all-heading) a.row-action[href="${mandate}"]`);
        assert.equal(await open.count(), 1, 'the list opens it');
        assert.equal(await open.evaluate((a) => a.firstChild?.textContent.trim()), 'Open');
        await audit.check(page, 'home after signing from the row (B, en)');
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });
});
