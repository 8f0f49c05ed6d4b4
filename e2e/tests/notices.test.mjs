// Who is told what, end to end: a real OpenID Connect provider, `mandates serve --demo` sending
// its mails to a real SMTP server (smtp_sink.py, aiosmtpd), and real Chromium.
//
// 1  citizen B gives an e-mail address and French as the language of mails (browsing in English)
// 2  citizen A proposes a mandate to B through the create pages
// 3  the mail reaches the SMTP server: to B's address, in French, text and HTML, a link to the
//    mandate, no national number in full
// 4  B signs in, opens the link of the mail and signs the mandate on its page
// 5  A is told in the inbox that the mandate is in force; opening the notice marks it read
// Every page of the service visited is checked with axe-core (see `Audit`).

import assert from 'node:assert/strict';
import {
  after, before, describe, test,
} from 'node:test';

import { startSmtpSink } from '../lib/harness.mjs';
import {
  Audit, PEOPLE, TEXT,
  actionLinks, assertFrame, clickAndWait, fillDate, here, open, signIn, signOut, startStack, step, text,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const B = PEOPLE['citizen-b'];
const B_MAIL = 'citizen-b@example.test';

const TYPE = 'fin.myminfin_consult';
const UNTIL = `${new Date().getUTCFullYear() + 1}-12-31`;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TEST_TIMEOUT = 90_000;

/** The notice texts the scenario looks for (crates/server/locales/{fr,nl}/notices.ftl). */
const NOTICE = {
  fr: {
    awaitingSubject: 'Un mandat attend votre signature',
    // "Un mandat pour « { $types } » ({ $domain }) avec { $other } attend votre signature jusqu’au { $deadline }."
    awaitingBody: [/^Un mandat pour « /, / avec /, / attend votre signature jusqu’au /],
    greeting: 'Bonjour,',
    openMandate: 'Voir le mandat',
  },
  nl: {
    inForceSubject: 'Een mandaat is van kracht',
    // "Het mandaat voor “{ $types }” ({ $domain }) met { $other } is ondertekend en geldt van { $from } tot { $until }."
    inForceBody: [/^Het mandaat voor “/, / met /, / is ondertekend en geldt van .+ tot /],
    unread: /\((\d+) ongelezen\)/,
  },
};

/** 85.07.30-033.28 → 85.07.30-xxx.xx, as the mails show a national number. */
const masked = (person) => `${person.shown.slice(0, 9)}xxx.xx`;

/** A national number in full, its 11 digits with or without punctuation between them. */
const fullNumber = (person) => new RegExp(person.number.split('').join('\\D?'));

/** The unread count in the header's inbox link (0 when it shows none). */
async function unreadCount(page, pattern) {
  const link = page.locator('nav a[href="/inbox"]');
  assert.equal(await link.count(), 1, 'the menu should link to /inbox');
  const label = (await link.innerText()).trim();
  const m = label.match(pattern);
  return { count: m ? Number(m[1]) : 0, label };
}

describe('notices and mails', () => {
  let smtp;
  let stack;
  const shared = { id: null, link: null };

  before(async () => {
    smtp = await startSmtpSink();
    stack = await startStack({
      env: {
        MANDATES_MAIL__SMTP_URL: smtp.url,
        // Quick: the outbox is looked at every second, and a mail is not held back for a
        // digest (the demo data already told its people at start).
        MANDATES_MAIL__POLL_SECONDS: 1,
        MANDATES_MAIL__DIGEST_MINUTES: 0,
      },
    });
  });

  after(async () => {
    await stack?.stop();
    await smtp?.stop();
  });

  test('1. citizen B gives an e-mail address and French for mails', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, 'citizen-b', { locale: 'en-GB' });
    try {
      await step(page, 'the notification settings', async () => {
        await assertFrame(page, { lang: 'en', person: B });
        await clickAndWait(page, 'nav a[href="/settings/notifications"]');
        assert.equal(here(page), '/settings/notifications');
        for (const sel of ['input#email[name=email]', 'select#lang[name=lang]', 'input[type=radio][name=mail][value=each]']) {
          assert.equal(await page.locator(sel).count(), 1, `the settings form should have ${sel}`);
        }
        const langs = await page.locator('select#lang option').evaluateAll((os) => os.map((o) => o.value));
        assert.deepEqual(langs, ['', 'nl', 'fr', 'de', 'en'], 'the language choices: the mandate\'s, or one of the four');
        await audit.check(page, 'notification settings (B, en)');
        await page.fill('#email', B_MAIL);
        await page.selectOption('#lang', 'fr');
        await page.check('#mail-each');
        await clickAndWait(page, 'main form[action="/settings/notifications"] button[type=submit]');
        assert.equal(here(page), '/settings/notifications?saved=1');
        assert.ok((await text(page, 'p.notice')).length > 0, 'a notice should say the choices were saved');
        assert.equal(await page.inputValue('#email'), B_MAIL, 'the address should be kept');
        assert.equal(await page.inputValue('#lang'), 'fr', 'French should be kept');
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'the pages stay in the browser\'s language');
        await audit.check(page, 'notification settings saved (B, en)');
      });
      await signOut(stack, page);
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('2. citizen A proposes a mandate to B', { timeout: TEST_TIMEOUT }, async () => {
    const audit = new Audit();
    const page = await signIn(stack, 'citizen-a', { locale: 'nl-BE' });
    try {
      await step(page, 'create, steps 1 and 2', async () => {
        await clickAndWait(page, 'nav a[href="/mandates/new"]');
        await page.check('input[name=domain][value=fin]');
        await page.check('input[name=side][value=mandator]');
        await clickAndWait(page, 'main form[action="/mandates/new"] button[type=submit]');
        assert.equal(here(page), '/mandates/new?domain=fin&side=mandator');
        await page.check(`input[name=types][value="${TYPE}"]`);
        await page.fill('#other', B.number);
        await fillDate(page, 'valid_until', UNTIL);
        const res = await clickAndWait(page, 'main form[action="/mandates/review"] button[type=submit]');
        assert.equal(res.status(), 200, `the review answered ${res.status()}`);
        assert.equal(here(page), '/mandates/review');
        assert.ok((await text(page, 'p.summary')).includes(B.shown), 'the summary should name B');
      });
      await step(page, 'sign and send', async () => {
        await clickAndWait(page, 'button[name=go][value=sign]');
        const m = here(page).match(new RegExp(`^/mandates/(${UUID})\\?done=create$`));
        assert.ok(m, `after "Sign and send" the address should be /mandates/<id>?done=create; it is ${here(page)}`);
        [, shared.id] = m;
        assert.ok((await text(page, 'p.status')).includes(TEXT.nl.pending), `the status should be "${TEXT.nl.pending}"`);
        await audit.check(page, 'mandate, just created (A, nl)');
      });
      await signOut(stack, page);
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('3. the mail to B reaches the SMTP server, in French', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!shared.id) { t.skip('scenario 2 did not create the mandate'); return; }
    const link = `${stack.base}/mandates/${shared.id}`;
    // B may have other mails (the demo data's); this is the one about the new mandate.
    const mail = await smtp.waitForMail((m) => m.rcpt_tos.includes(B_MAIL)
      && Object.values(m.parts).some((p) => p.includes(link)));
    const plain = mail.parts['text/plain'];
    const html = mail.parts['text/html'];
    const where = `(mail ${JSON.stringify(mail.headers.subject)} to ${mail.rcpt_tos.join(', ')})`;

    assert.deepEqual(mail.rcpt_tos, [B_MAIL], `the mail should go to B's address only ${where}`);
    assert.ok(mail.headers.to?.includes(B_MAIL), `the To header should name B's address: ${mail.headers.to}`);
    assert.equal(mail.headers.subject, NOTICE.fr.awaitingSubject, `the subject should be the French one ${where}`);

    assert.ok(plain, `the mail should have a text/plain part; it has ${Object.keys(mail.parts)}`);
    assert.ok(html, `the mail should have a text/html part; it has ${Object.keys(mail.parts)}`);
    assert.match(mail.headers['content-type'] ?? '', /^multipart\/alternative/, 'text and HTML should be alternatives of one mail');

    // The text part: the greeting, the notice's subject and body, the link.
    assert.ok(plain.includes(NOTICE.fr.greeting), `the text part should greet in French:\n${plain}`);
    assert.ok(plain.includes(NOTICE.fr.awaitingSubject), `the text part should have the notice's subject:\n${plain}`);
    const bodyLine = plain.split(/\r?\n/).map((l) => l.trim()).find((l) => l.startsWith('Un mandat pour'));
    assert.ok(bodyLine, `the text part should have the notice's French body:\n${plain}`);
    for (const piece of NOTICE.fr.awaitingBody) assert.match(bodyLine, piece, `the body line "${bodyLine}"`);
    assert.ok(bodyLine.includes(masked(A)), `the body should name A by the masked number ${masked(A)}: "${bodyLine}"`);
    assert.ok(plain.includes(`${NOTICE.fr.openMandate}: ${link}`), `the text part should link to the mandate (${link}):\n${plain}`);
    for (const p of ['/inbox', '/settings/notifications']) {
      assert.ok(plain.includes(`${stack.base}${p}`), `the text part should link to ${p}:\n${plain}`);
    }

    // The HTML part: French, the same notice, the link as a link.
    assert.match(html, /<html lang="fr">/, 'the HTML part should say it is French');
    assert.ok(html.includes(NOTICE.fr.awaitingSubject), 'the HTML part should have the notice\'s subject');
    assert.match(html, /Un mandat pour « .* attend votre signature jusqu’au /, 'the HTML part should have the notice\'s body');
    assert.ok(html.includes(`<a href="${link}">${NOTICE.fr.openMandate}</a>`), `the HTML part should link to the mandate:\n${html}`);

    // No national number in full anywhere: headers, decoded parts, the raw message.
    const everything = [JSON.stringify(mail.headers), plain, html, mail.data].join('\n');
    for (const [who, person] of [['A', A], ['B', B]]) {
      const found = everything.match(fullNumber(person));
      assert.equal(found, null, `the mail shows ${who}'s national number in full ("${found?.[0]}")`);
    }
    shared.link = link;
    t.diagnostic(`mail to ${mail.rcpt_tos}: "${mail.headers.subject}"`);
  });

  test('4. B opens the link of the mail and signs the mandate', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!shared.link) { t.skip('scenario 3 found no mail with the link'); return; }
    const audit = new Audit();
    const href = `/mandates/${shared.id}`;
    const page = await signIn(stack, 'citizen-b', { locale: 'en-GB' });
    try {
      await step(page, 'the link of the mail', async () => {
        const res = await page.goto(shared.link, { waitUntil: 'load' });
        assert.equal(res.status(), 200, `the mail's link answered ${res.status()}`);
        assert.equal(here(page), href);
        await assertFrame(page, { lang: 'en', person: B });
        assert.ok((await text(page, 'p.status')).includes(TEXT.en.pending), `the status should be "${TEXT.en.pending}"`);
        assert.ok((await actionLinks(page)).includes(`${href}/sign`), 'B may sign');
        await audit.check(page, 'mandate from the mail (B, en)');
      });
      await step(page, 'signing', async () => {
        await clickAndWait(page, `ul.actions a[href="${href}/sign"]`);
        assert.equal(here(page), `${href}/sign`);
        await audit.check(page, 'confirm signing (B, en)');
        await clickAndWait(page, 'main form div.actions button[type=submit]');
        assert.equal(here(page), `${href}?done=sign`);
        assert.ok((await text(page, 'p.status')).includes(TEXT.en.active), `the status should be "${TEXT.en.active}"`);
        await audit.check(page, 'mandate signed (B, en)');
      });
      await signOut(stack, page);
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('5. A is told in the inbox that the mandate is in force, and reads it', { timeout: TEST_TIMEOUT }, async (t) => {
    if (!shared.link) { t.skip('the mandate was not signed'); return; }
    const audit = new Audit();
    const href = `/mandates/${shared.id}`;
    const page = await signIn(stack, 'citizen-a', { locale: 'nl-BE' });
    try {
      let unread;
      let notice;
      await step(page, 'the header counts the unread notices', async () => {
        await assertFrame(page, { lang: 'nl', person: A });
        unread = await unreadCount(page, NOTICE.nl.unread);
        assert.ok(unread.count >= 1, `the header should count at least one unread notice; the link says "${unread.label}"`);
      });
      await step(page, 'the inbox', async () => {
        await clickAndWait(page, 'nav a[href="/inbox"]');
        assert.equal(here(page), '/inbox');
        const items = page.locator(`ul.notices li:has(a[href="${href}"])`);
        assert.equal(await items.count(), 1, `A's inbox should have one notice about ${href}`);
        const item = items.first();
        assert.match(await item.getAttribute('class') ?? '', /\bunread\b/, 'the notice should be unread');
        assert.equal((await item.locator('h2 a').innerText()).trim(), NOTICE.nl.inForceSubject, 'the notice should say the mandate is in force');
        const body = (await item.locator('p:not(.when)').first().innerText()).trim();
        for (const piece of NOTICE.nl.inForceBody) assert.match(body, piece, `the notice's body "${body}"`);
        assert.ok(body.includes(B.shown) || body.includes(masked(B)), `the notice should name B: "${body}"`);
        notice = await item.locator('h2 a').getAttribute('href');
        assert.match(notice, new RegExp(`^/inbox/${UUID}$`));
        await audit.check(page, 'inbox (A, nl)');
      });
      await step(page, 'opening the notice marks it read', async () => {
        await clickAndWait(page, `ul.notices h2 a[href="${notice}"]`);
        assert.equal(here(page), notice);
        assert.equal(await text(page, 'h1'), NOTICE.nl.inForceSubject);
        assert.equal(await page.locator(`main a[href="${href}"]`).count(), 1, 'the notice should link to the mandate');
        const now = await unreadCount(page, NOTICE.nl.unread);
        assert.equal(now.count, unread.count - 1, `the unread count should go down by one: "${unread.label}" → "${now.label}"`);
        await audit.check(page, 'one notice (A, nl)');
        await clickAndWait(page, 'main a[href="/inbox"]');
        assert.equal(here(page), '/inbox');
        const item = page.locator(`ul.notices li:has(a[href="${href}"])`).first();
        assert.doesNotMatch(await item.getAttribute('class') ?? '', /\bunread\b/, 'the notice should no longer be unread');
        assert.equal(await item.locator('.badge').count(), 0, 'the notice should no longer have the "new" badge');
        await audit.check(page, 'inbox after reading (A, nl)');
      });
      await step(page, 'the mandate from the notice', async () => {
        await clickAndWait(page, `ul.notices li:has(a[href="${href}"]) a[href="${href}"]`);
        assert.equal(here(page), href);
        assert.ok((await text(page, 'p.status')).includes(TEXT.nl.active), `the status should be "${TEXT.nl.active}"`);
      });
    } finally {
      await page.context().close();
    }
    audit.assertClean();
  });

  test('no mail shows a national number in full', { timeout: TEST_TIMEOUT }, async () => {
    const mails = await smtp.messages();
    assert.ok(mails.length >= 1, 'at least the mail to B was sent');
    for (const mail of mails) {
      const everything = [JSON.stringify(mail.headers), ...Object.values(mail.parts), mail.data].join('\n');
      for (const person of [A, B]) {
        const found = everything.match(fullNumber(person));
        assert.equal(found, null, `the mail "${mail.headers.subject}" to ${mail.rcpt_tos} shows ${found?.[0]}`);
      }
    }
  });
});
