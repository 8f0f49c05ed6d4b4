// Every page of the service at the widths of a small phone (320 px), a phone (390 px) and a
// desktop (1280 px), in a real browser against `mandates serve --demo` signed in through the
// test OpenID Connect provider. In Dutch every page passes axe-core at the three widths, in
// French, German and English at 390 px; in every language nothing is wider than the screen
// at 320 and 390 px. Screenshots of every page at 390 and 1280 px in the four languages are
// written to e2e/screenshots/<lang>/<width>/<page>.png.
//
// Pages are found by their address (or by the address of the form that leads to them), not
// by their texts. One browser context per person is signed in once; the viewport is resized.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  after, before, describe, test,
} from 'node:test';

import { SCREENSHOT_DIR, newPage, startServer } from '../lib/harness.mjs';
import {
  Audit, LANGS, PEOPLE, clickAndWait, here, open, signIn, startStack, step,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const REP = PEOPLE['company-rep'];

/** The widths checked: a small phone, a phone, a desktop. */
const SMALL = 320;
const PHONE = 390;
const DESKTOP = 1280;
const HEIGHT = { [SMALL]: 640, [PHONE]: 844, [DESKTOP]: 900 };

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ACTION_HREF = new RegExp(`^/mandates/${UUID}/(sign|reject|withdraw|modify|transfer|stop)$`);
const DAY = 24 * 60 * 60 * 1000;
const isoInDays = (n) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

// A bulk file of two rows, one of them wrong: its report has a table with an error.
const CSV = [
  'mandator;mandatee;valid_from;valid_until',
  `${A.number};${B.number};${isoInDays(30)};${isoInDays(300)}`,
  `${A.number};1234;${isoInDays(30)};${isoInDays(300)}`,
].join('\n');

const TEST_TIMEOUT = 120_000;

/** The pages, in the order they are visited; `who` names the browser context. */
function pageList(found) {
  return [
    { name: 'welcome', who: 'visitor', path: '/' },
    { name: 'sign-in', who: 'demo', path: '/sign-in' },
    { name: 'accessibility', who: 'visitor', path: '/accessibility' },
    { name: 'signed-out', who: 'visitor', path: '/signed-out' },
    { name: 'not-found', who: 'visitor', path: '/nope', status: 404 },
    { name: 'home-citizen', who: 'a', path: '/' },
    { name: 'create-step1', who: 'a', path: '/mandates/new' },
    { name: 'create-step2', who: 'a', path: '/mandates/new?domain=fin&side=mandator' },
    { name: 'create-step3', who: 'a', reach: reachReview },
    { name: 'mandate', who: 'a', path: found.active },
    ...['withdraw', 'stop', 'modify', 'transfer'].map((action) => ({
      name: `confirm-${action}`, who: 'a2', path: found.actions[action],
    })),
    ...['sign', 'reject'].map((action) => ({
      name: `confirm-${action}`, who: 'b', path: found.actions[action],
    })),
    { name: 'executor', who: 'a2', path: '/executor' },
    { name: 'access-log', who: 'a2', path: '/access-log' },
    { name: 'inbox', who: 'b', path: '/inbox' },
    { name: 'notice', who: 'b', path: found.notice },
    { name: 'settings', who: 'b', path: '/settings/notifications' },
    { name: 'bulk-new', who: 'a', path: '/bulk' },
    { name: 'bulk-job', who: 'a', path: found.bulkJob },
    { name: 'acting-as', who: 'rep', path: '/acting-as' },
    { name: 'home-enterprise', who: 'rep', path: '/' },
    { name: 'enterprise', who: 'rep', path: '/enterprise' },
    { name: 'executor-enterprise', who: 'rep', path: '/executor' },
  ];
}

/** Step 2 of the create form filled in (a type, the other party) and sent: the review. */
async function reachReview(page, base, other = B.number) {
  await open(page, base, '/mandates/new?domain=fin&side=mandator');
  await page.locator('main input[type=checkbox][name=types]').first().check();
  await page.fill('#other', other);
  const res = await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
  assert.equal(res.status(), 200, `the review answered ${res.status()}`);
  assert.equal(here(page), '/mandates/review');
}

/** The page in `lang`: the header's language button when it is in another. */
async function inLanguage(page, lang) {
  if (await page.evaluate(() => document.documentElement.lang) === lang) return;
  await clickAndWait(page, `header form[action="/language"] button[name=lang][value=${lang}]`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `the page should now be in ${lang}`);
}

async function resize(page, width) {
  await page.setViewportSize({ width, height: HEIGHT[width] });
}

/** What sticks out to the right of the viewport, if anything. */
async function overflow(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const scroll = document.documentElement.scrollWidth;
    if (scroll <= width) return null;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} (${Math.round(el.getBoundingClientRect().right)} px)`);
    return `scrollWidth ${scroll} > ${width}: ${wide.join(', ')}`;
  });
}

async function shoot(page, lang, width, name) {
  const dir = path.join(SCREENSHOT_DIR, lang, String(width));
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

describe('every page at every screen size', () => {
  let stack;
  let demo;
  const pages = {};
  const found = { actions: {} };

  before(async () => {
    stack = await startStack();
    // The demo sign-in page exists only on a server without a login provider.
    demo = await startServer({ login: false });
    pages.visitor = await newPage(stack.browser, { locale: 'nl-BE' });
    pages.demo = await newPage(stack.browser, { locale: 'nl-BE' });
    pages.a = await signIn(stack, 'citizen-a', { locale: 'nl-BE' });
    // A second tab of A's: the pages of different tabs are visited at the same time.
    pages.a2 = await pages.a.context().newPage();
    pages.b = await signIn(stack, 'citizen-b', { locale: 'nl-BE' });
    pages.rep = await signIn(stack, 'company-rep', { locale: 'nl-BE' });
    const { a, b, rep } = pages;

    await step(a, 'A proposes a mandate to B (B gets a notice and something to sign)', async () => {
      await reachReview(a, stack.base);
      await clickAndWait(a, 'main form[action="/mandates/create"] button[name=go][value=sign]');
      const m = here(a).match(new RegExp(`^(/mandates/${UUID})\\?`));
      assert.ok(m, `after sending, the address should be a mandate's; it is ${here(a)}`);
      found.proposed = m[1];
    });

    const actionsOn = async (page, href) => {
      await open(page, stack.base, href);
      const hrefs = await page.locator('main a[href^="/mandates/"]').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
      return hrefs.filter((h) => ACTION_HREF.test(h));
    };
    await step(a, 'A\'s mandates and what may be done with them', async () => {
      await open(a, stack.base, '/');
      const hrefs = await a.locator(`main a[href^="/mandates/"]`).evaluateAll((as) => as.map((x) => x.getAttribute('href')));
      const mandates = [...new Set(hrefs.filter((h) => new RegExp(`^/mandates/${UUID}$`).test(h)))];
      for (const href of mandates) {
        const actions = await actionsOn(a, href);
        for (const act of actions) found.actions[act.split('/').pop()] ??= act;
        // The mandate page shown: one in force (it has signatures and a history).
        if (actions.some((h) => h.endsWith('/stop'))) found.active ??= href;
      }
      assert.ok(found.active, 'the demo data should give A a mandate in force');
    });
    await step(b, 'B\'s notice and B\'s choices on the proposal', async () => {
      for (const act of await actionsOn(b, found.proposed)) found.actions[act.split('/').pop()] ??= act;
      await open(b, stack.base, '/inbox');
      found.notice = await b.locator('main a[href^="/inbox/"]').first().getAttribute('href');
      assert.match(found.notice ?? '', new RegExp(`^/inbox/${UUID}$`), 'B\'s inbox should have a notice');
    });
    for (const action of ['withdraw', 'stop', 'modify', 'transfer', 'sign', 'reject']) {
      assert.ok(found.actions[action], `no mandate offers "${action}": ${JSON.stringify(found.actions)}`);
    }

    await step(a, 'A uploads a bulk file (not confirmed)', async () => {
      await open(a, stack.base, '/bulk');
      await a.selectOption('#operation', 'create');
      await a.selectOption('#format', 'csv');
      await a.selectOption('#domain', 'fin');
      await a.fill('#types', 'fin.myminfin_consult');
      await a.check('input[name=mode][value="per-row"]');
      await a.setInputFiles('#file', { name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      await clickAndWait(a, 'main form[action="/bulk"] button[type=submit]');
      assert.match(here(a), new RegExp(`^/bulk/${UUID}$`));
      found.bulkJob = here(a);
    });

    await step(rep, 'the representative acts for the enterprise', async () => {
      assert.match(here(rep), /^\/acting-as/);
      await rep.locator('main input[type=radio][name=party]:not([value=self])').first().check();
      await clickAndWait(rep, 'main form[action="/acting-as"] button[type=submit]');
      assert.equal(here(rep), '/');
    });
  });

  after(async () => {
    await demo?.stop();
    await stack?.stop();
  });

  /**
   * Visits every page in `lang`: at every width nothing may be wider than the screen (320 px
   * for every language, 390 px too), axe-core at the widths in `axeAt`, screenshots at 390
   * and 1280 px.
   */
  async function everyPage(lang, axeAt) {
    const audit = new Audit();
    const problems = [];
    const visit = async (p) => {
      const page = pages[p.who];
      const base = p.who === 'demo' ? demo.url : stack.base;
      await step(page, `${p.name} (${lang})`, async () => {
        await resize(page, DESKTOP);
        if (p.reach) {
          await p.reach(page, base);
        } else {
          await open(page, base, p.path, { status: p.status ?? 200 });
          if (await page.evaluate(() => document.documentElement.lang) !== lang) {
            await inLanguage(page, lang);
            // The language button comes back to the same address.
            assert.equal(here(page), p.path, `the language button should keep ${p.path}`);
          }
        }
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
        for (const width of [SMALL, PHONE, DESKTOP]) {
          await resize(page, width);
          if (width !== DESKTOP) {
            const wide = await overflow(page);
            if (wide) problems.push(`${p.name} (${lang}, ${width} px, ${here(page)}): ${wide}`);
          }
          if (axeAt.includes(width)) await audit.check(page, `${p.name} (${lang}, ${width} px)`);
          if (width !== SMALL) await shoot(page, lang, width, p.name);
        }
      });
    };
    // Each tab visits its pages in turn; the tabs at the same time.
    const byTab = new Map();
    for (const p of pageList(found)) byTab.set(p.who, [...(byTab.get(p.who) ?? []), p]);
    const done = await Promise.allSettled([...byTab.values()].map(async (list) => {
      for (const p of list) await visit(p);
    }));
    const failed = done.filter((d) => d.status === 'rejected').map((d) => d.reason);
    if (failed.length) throw failed[0];
    audit.problems.push(...problems);
    audit.assertClean();
  }

  test('in Dutch, every page at 320, 390 and 1280 px: no axe-core violation, nothing wider than the screen', { timeout: TEST_TIMEOUT }, async () => {
    await everyPage('nl', [SMALL, PHONE, DESKTOP]);
  });

  for (const lang of LANGS.filter((l) => l !== 'nl')) {
    test(`in ${lang}, every page at 390 px: no axe-core violation; nothing wider than the screen at 320 or 390 px`, { timeout: TEST_TIMEOUT }, async () => {
      await everyPage(lang, [PHONE]);
    });
  }

  test('the header on a phone: two short lines, a menu that opens without JavaScript, targets of at least 24 px', { timeout: TEST_TIMEOUT }, async () => {
    // A's session in a context without JavaScript.
    const page = await newPage(stack.browser, {
      locale: 'nl-BE', javaScriptEnabled: false, storageState: await pages.a.context().storageState(),
    });
    try {
      await step(page, 'the header at 390 px', async () => {
        await resize(page, PHONE);
        await open(page, stack.base, '/');
        await inLanguage(page, 'nl');
        const header = await page.locator('header').boundingBox();
        assert.ok(header.height <= 120, `the header should be short on a phone; it is ${header.height} px high`);
        for (const lang of LANGS) {
          const button = page.locator(`header form[action="/language"] button[value=${lang}]`);
          await assertTarget(button, `the ${lang} language button`, PHONE);
        }
        const summary = page.locator('header details > summary');
        await assertTarget(summary, 'the menu button', PHONE);
        for (const sel of ['nav a[href="/mandates/new"]', 'form.logout button']) {
          assert.equal(await page.locator(sel).isVisible(), false, `${sel} should be in the closed menu`);
        }
        // The keyboard opens it: Tab from the last language button, then Enter.
        await page.locator('header form[action="/language"] button').last().focus();
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SUMMARY', 'Tab should reach the menu button');
        await page.keyboard.press('Enter');
        assert.equal(await page.locator('header details').getAttribute('open'), '', 'Enter should open the menu');
        const links = page.locator('header nav a');
        assert.ok(await links.count() >= 6, 'the menu should have the links');
        for (let i = 0; i < await links.count(); i += 1) {
          await assertTarget(links.nth(i), `menu link ${await links.nth(i).getAttribute('href')}`, PHONE);
        }
        await assertTarget(page.locator('form.logout button'), 'the sign-out button', PHONE);
        await shoot(page, 'nl', PHONE, 'menu-open');
        await clickAndWait(page, 'header nav a[href="/access-log"]');
        assert.equal(here(page), '/access-log', 'a menu link should work without JavaScript');
      });
      await step(page, 'the header at 1280 px', async () => {
        await resize(page, DESKTOP);
        await open(page, stack.base, '/');
        assert.equal(await page.locator('header details > summary').isVisible(), false, 'no menu button on a large screen');
        for (const sel of ['nav a[href="/"]', 'nav a[href="/mandates/new"]', 'nav a[href="/inbox"]', 'form.logout button']) {
          assert.equal(await page.locator(sel).isVisible(), true, `${sel} should be shown on a large screen`);
        }
        const names = await page.locator('header form[action="/language"] button').evaluateAll((bs) => bs.map((b) => b.innerText.trim()));
        assert.deepEqual(names, ['Nederlands', 'Français', 'Deutsch', 'English'], 'the languages by name on a large screen');
        await page.locator('header form[action="/language"] button').last().focus();
        await page.keyboard.press('Tab');
        const next = await page.evaluate(() => document.activeElement?.closest('header') !== null
          && document.activeElement?.tagName !== 'SUMMARY');
        assert.ok(next, 'after the languages, Tab should go on in the header, not to a hidden menu button');
      });
    } finally {
      await page.context().close();
    }
  });

  test('tables on a phone: a block per row, each cell named by its column; on a desktop, a table', { timeout: TEST_TIMEOUT }, async () => {
    const page = pages.a;
    await step(page, 'the tables of a mandate and of the home page', async () => {
      for (const href of [found.active, '/']) {
        await open(page, stack.base, href);
        for (const width of [PHONE, DESKTOP]) {
          await resize(page, width);
          const tables = await page.locator('main table').evaluateAll((ts) => ts.map((t) => {
            const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent.replace(/\s+/g, ' ').trim());
            const cells = [...t.querySelectorAll('tbody tr')].flatMap((tr) => [...tr.cells].map((td, i) => ({
              column: heads[i],
              label: td.dataset.label,
              shown: getComputedStyle(td, '::before').content,
              display: getComputedStyle(td).display,
            })));
            return { width: t.getBoundingClientRect().width, cells };
          }));
          assert.ok(tables.length > 0, `${href} should have tables`);
          for (const t of tables) {
            assert.ok(t.width <= width, `a table of ${href} is ${t.width} px wide at ${width} px`);
            for (const cell of t.cells) {
              assert.equal(cell.label, cell.column, `every cell should carry its column's name: ${JSON.stringify(cell)}`);
              if (width === PHONE) {
                assert.notEqual(cell.display, 'table-cell', `on a phone a cell is not a table cell: ${JSON.stringify(cell)}`);
                assert.ok(cell.shown.includes(cell.column), `on a phone a cell shows its column's name: ${JSON.stringify(cell)}`);
              } else {
                assert.equal(cell.display, 'table-cell', `on a desktop a table is a table: ${JSON.stringify(cell)}`);
                assert.equal(cell.shown, 'none', `on a desktop a cell shows no label: ${JSON.stringify(cell)}`);
              }
            }
          }
        }
      }
    });
  });
});

/** A click target of at least 24 × 24 px, inside the viewport. */
async function assertTarget(locator, what, width) {
  assert.equal(await locator.isVisible(), true, `${what} should be visible`);
  const box = await locator.boundingBox();
  assert.ok(box.width >= 24 && box.height >= 24, `${what} should be at least 24 × 24 px; it is ${box.width} × ${box.height}`);
  assert.ok(box.x >= 0 && box.x + box.width <= width, `${what} should be within the screen: ${JSON.stringify(box)}`);
}
