// The bulk pages, in a real browser against `mandates serve --demo` on a fresh database,
// signed in through the test OpenID Connect provider: citizen A uploads a CSV file that
// creates mandates (two good rows, one bad), checks the report, confirms, waits for the job
// to finish, downloads the results and finds the new mandates on the home page. Every page
// of the service visited is checked with axe-core (zero violations) and, except the page of
// a running job (which loads /static/progress.js), for having no script and a csrf field in
// every POST form.

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import { checkA11y } from '../lib/harness.mjs';
import {
  Audit, PEOPLE, assertFrame, clickAndWait, here, sectionLinks, signIn, startStack, step, text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const REP = PEOPLE['company-rep'];

const TYPE = 'fin.myminfin_consult';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DAY = 24 * 60 * 60 * 1000;
const isoInDays = (n) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
const FROM = isoInDays(30);
const UNTIL = isoInDays(300);
const BAD_MANDATEE = '1234';

const CSV = [
  'mandator;mandatee;valid_from;valid_until',
  `${A.number};${B.number};${FROM};${UNTIL}`,
  `${A.number};${REP.number};${FROM};${UNTIL}`,
  `${A.number};${BAD_MANDATEE};${FROM};${UNTIL}`,
].join('\n');

const TEST_TIMEOUT = 40_000;
const DONE_WITHIN = 20_000;

/** The counts of the report (dl.terms) as {term: value}. */
async function counts(page) {
  return page.evaluate(() => {
    const out = {};
    for (const dt of document.querySelectorAll('#job-progress dl.terms dt')) {
      const dd = dt.nextElementSibling;
      out[dt.textContent.replace(/\s+/g, ' ').trim()] = dd?.textContent.replace(/\s+/g, ' ').trim() ?? null;
    }
    return out;
  });
}

/** The rows of the report's table: {cls, cells}. */
async function reportRows(page) {
  return page.evaluate(() => [...document.querySelectorAll('main table tbody tr')].map((tr) => ({
    error: tr.classList.contains('row-error'),
    cells: [...tr.cells].map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
  })));
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

describe('bulk pages', () => {
  let stack;

  before(async () => { stack = await startStack(); });
  after(async () => { await stack?.stop(); });

  test('citizen A creates mandates from a CSV file, row by row', { timeout: TEST_TIMEOUT }, async (t) => {
    const audit = new Audit();
    const page = await signIn(stack, 'citizen-a', { locale: 'en-GB' });
    let jobPath;
    let created = [];
    try {
      await step(page, 'the upload form', async () => {
        const link = page.locator('nav a[href="/bulk"]');
        assert.equal(await link.count(), 1, 'the menu should link to /bulk');
        assert.equal((await link.textContent()).trim(), 'Many at once', 'the menu link to /bulk');
        await clickAndWait(page, 'nav a[href="/bulk"]');
        assert.equal(here(page), '/bulk');
        await assertFrame(page, { lang: 'en', person: A });
        const form = 'main form[action="/bulk"][enctype="multipart/form-data"]';
        assert.equal(await page.locator(form).count(), 1, 'the page should have the upload form');
        for (const sel of ['select#operation', 'select#format', 'input#file[type=file]', 'select#domain',
          'input#types', 'select#role', 'input[name=mode][value="all-or-nothing"]', 'input[name=mode][value="per-row"]',
          'button[type=submit]']) {
          assert.equal(await page.locator(`${form} ${sel}`).count(), 1, `the upload form should have ${sel}`);
        }
        const ops = await page.locator('#operation option').evaluateAll((os) => os.map((o) => o.value));
        assert.deepEqual(ops, ['create', 'sign', 'stop', 'transfer']);
        const formats = await page.locator('#format option').evaluateAll((os) => os.map((o) => o.value));
        assert.deepEqual(formats, ['csv', 'json', 'ssm']);
        const domains = await page.locator('#domain option').evaluateAll((os) => os.map((o) => o.value));
        for (const d of ['', 'fin', 'ehealth', 'vlaanderen']) assert.ok(domains.includes(d), `#domain should offer "${d}"; it offers ${JSON.stringify(domains)}`);
        assert.ok(await page.locator('main a[href^="/api/v1/bulk/templates/"]').count() >= 1, 'the page should link to the example files');
        await audit.check(page, 'bulk upload (A, en)', { shot: 'bulk-upload' });
      });

      await step(page, 'upload the CSV file', async () => {
        await page.selectOption('#operation', 'create');
        await page.selectOption('#format', 'csv');
        await page.selectOption('#domain', 'fin');
        await page.fill('#types', TYPE);
        await page.check('input[name=mode][value="per-row"]');
        await page.setInputFiles('#file', { name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
        const res = await clickAndWait(page, 'main form[action="/bulk"] button[type=submit]');
        assert.equal(res.status(), 200, `the report answered ${res.status()}`);
        assert.match(here(page), new RegExp(`^/bulk/${UUID}$`), 'the upload should lead to /bulk/<id>');
        jobPath = here(page);
      });

      await step(page, 'the report before confirming', async () => {
        assert.equal(await page.getAttribute('#job-progress', 'data-state'), 'validated');
        const rows = await reportRows(page);
        assert.equal(rows.length, 3, `the report should list 3 rows: ${JSON.stringify(rows)}`);
        const bad = rows.filter((r) => r.error);
        assert.equal(bad.length, 1, `one row should be tr.row-error: ${JSON.stringify(rows)}`);
        assert.ok(bad[0].cells[3]?.length > 0, 'the error row should explain the problem in its fourth cell');
        assert.match(bad[0].cells[3], /mandatee/i, `the explanation should name the mandatee column: "${bad[0].cells[3]}"`);
        const good = rows.filter((r) => !r.error);
        assert.ok(good.every((r) => r.cells[3] === ''), `the good rows should have no errors: ${JSON.stringify(rows)}`);
        // What each row asks, A by name; the others by number: a file's row is no way to
        // learn a person's name.
        assert.deepEqual(good.map((r) => r.cells[1]), [B, REP].map((p) => `${A.named} gives View the tax file (MyMinfin) to ${p.shown}`));
        assert.equal(await page.locator(`main form[action="${jobPath}/commit"] button[type=submit]`).count(), 1,
          'a validated job should offer to confirm');
        assert.equal(await page.locator(`main a[href="${jobPath}/results.csv"]`).count(), 1, 'the report should link to the results');
        t.diagnostic(`the invalid row: ${bad[0].cells.join(' | ')}`);
        await audit.check(page, 'bulk report (A, en)', { shot: 'bulk-report' });
      });

      await step(page, 'confirm and wait until done', async () => {
        await clickAndWait(page, `main form[action="${jobPath}/commit"] button[type=submit]`);
        assert.equal(here(page), jobPath, 'confirming should come back to the report');
        let seenRunning = false;
        const deadline = Date.now() + DONE_WITHIN;
        for (;;) {
          const state = await page.getAttribute('#job-progress', 'data-state').catch(() => null);
          if (state === 'done') break;
          assert.notEqual(state, 'failed', 'the job failed');
          if (state === 'running' && !seenRunning) {
            seenRunning = true;
            // The running page is allowed its script; it must still pass axe-core.
            await checkA11y(page, 'bulk job running (A, en)');
            assert.equal(await page.locator(`#job-progress a[href="${jobPath}"]`).count(), 1,
              'a running job should offer a refresh link');
          }
          assert.ok(Date.now() < deadline, `the job is still "${state}" after ${DONE_WITHIN} ms`);
          try {
            await page.waitForSelector('#job-progress[data-state="done"]', { timeout: 3000 });
          } catch {
            await page.goto(`${stack.base}${jobPath}`, { waitUntil: 'load' });
          }
          await sleep(100);
        }
        await page.waitForLoadState('load');
        // The progress script reloads the page when the job ends; check the reloaded page.
        if (await page.locator('script').count()) {
          await page.goto(`${stack.base}${jobPath}`, { waitUntil: 'load' });
        }
        assert.equal(await page.getAttribute('#job-progress', 'data-state'), 'done');
        t.diagnostic(`the running state was ${seenRunning ? '' : 'not '}seen before done`);
      });

      await step(page, 'the report when done', async () => {
        const c = await counts(page);
        assert.deepEqual({ rows: c.Rows, done: c.Done, refused: c.Refused }, { rows: '3', done: '2', refused: '1' },
          `the counts: ${JSON.stringify(c)}`);
        assert.ok((await text(page, '#job-progress p.status')).includes('Done'), 'the status should say done');
        assert.equal(await page.locator('main form[action$="/commit"]').count(), 0, 'a finished job should not offer to confirm');
        const rows = await reportRows(page);
        assert.equal(rows.length, 3);
        assert.equal(rows.filter((r) => r.error).length, 1, `still one row with errors: ${JSON.stringify(rows)}`);
        const links = await page.locator('main table tbody a[href^="/mandates/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.equal(links.length, 2, `the two rows done should link to their mandates: ${JSON.stringify(links)}`);
        await audit.check(page, 'bulk done (A, en)', { shot: 'bulk-done' });
      });

      await step(page, 'the results CSV', async () => {
        const href = await page.locator(`main a[href="${jobPath}/results.csv"]`).getAttribute('href');
        const res = await page.context().request.get(`${stack.base}${href}`);
        assert.equal(res.status(), 200);
        assert.match(res.headers()['content-type'] ?? '', /^text\/csv/);
        const lines = (await res.text()).trim().split(/\r?\n/);
        assert.equal(lines[0], 'line,state,mandate_id,errors', 'the header of the results');
        const applied = lines.slice(1).filter((l) => l.split(',')[1] === 'applied');
        assert.equal(applied.length, 2, `two rows should be applied:\n${lines.join('\n')}`);
        created = applied.map((l) => l.split(',')[2]);
        for (const id of created) assert.match(id, new RegExp(`^${UUID}$`), `applied rows should carry the mandate id:\n${lines.join('\n')}`);
        assert.equal(lines.length, 4, `one line per row after the header:\n${lines.join('\n')}`);
      });

      await step(page, 'the home page lists the new mandates under "waiting for the other party"', async () => {
        await clickAndWait(page, 'nav a[href="/"]');
        const theirs = await sectionLinks(page, 'theirs-heading');
        assert.ok(theirs, 'the home page should have the section of h2#theirs-heading');
        for (const id of created) {
          assert.ok(theirs.includes(`/mandates/${id}`), `/mandates/${id} should be under "waiting for the other party": ${JSON.stringify(theirs)}`);
        }
        await audit.check(page, 'home with the bulk mandates (A, en)');
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });
});
