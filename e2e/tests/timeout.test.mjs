// The warning before a session ends for want of activity (WCAG 2.2.1): two minutes ahead a
// dialog says so and offers "Stay signed in", which restarts the session's idle time on the
// server; left unanswered, the page signs its person out (at the provider too) and the
// signed-out page says why. The browser's clock is fast-forwarded; the server's is real.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { logoutAtProvider } from '../lib/harness.mjs';
import {
  Audit, PEOPLE, assertFrame, here, open, signIn, startStack, step,
} from '../lib/pages.mjs';

const A = PEOPLE['citizen-a'];
const TEST_TIMEOUT = 90_000;

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

test('a signed-in person is warned before the session ends, can stay, and is told when it ended', { timeout: TEST_TIMEOUT }, async () => {
  const audit = new Audit();
  const page = await signIn(stack, A.login, { locale: 'en-GB', audit });
  await page.clock.install();
  await open(page, stack.base, '/');
  const dialog = page.locator('dialog#timeout');

  await step(page, 'no warning until two minutes before the end', async () => {
    await page.clock.fastForward('27:50');
    assert.equal(await dialog.evaluate((d) => d.open), false, 'no warning 28 minutes before the end');
  });

  await step(page, 'the warning, two minutes before', async () => {
    await page.clock.fastForward('00:20');
    await page.waitForSelector('dialog#timeout[open]');
    assert.match(await dialog.locator('h2').innerText(), /You are about to be signed out/);
    assert.match(await dialog.locator('#timeout-text').innerText(), /sign you out in 2 minutes/);
    const focused = await page.evaluate(() => document.activeElement?.closest('dialog')?.id ?? null);
    assert.equal(focused, 'timeout', 'the focus moves into the warning');
    await audit.check(page, 'timeout warning (en)');
  });

  await step(page, 'stay signed in', async () => {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/session/stay');
    await dialog.locator('#timeout-stay button').click();
    const answer = await answered;
    assert.equal(answer.status(), 200);
    const { expires_in: left } = await answer.json();
    assert.ok(left > 29 * 60 && left <= 30 * 60, `the idle time starts again: ${left} s left`);
    await page.waitForFunction(() => !document.getElementById('timeout').open);
    assert.equal(here(page), '/', 'the page stays where it was');
    await assertFrame(page, { person: A });
  });

  await step(page, 'unanswered, the warning ends in a sign-out that says why', async () => {
    await page.clock.fastForward('28:10');
    await page.waitForSelector('dialog#timeout[open]');
    await Promise.all([
      page.waitForURL((u) => u.origin !== stack.base || u.pathname === '/signed-out', { timeout: 15_000 }),
      // Timers fire one by one at their own time, as in a browser left alone.
      page.clock.runFor('02:00'),
    ]);
    if (new URL(page.url()).origin !== stack.base) {
      await logoutAtProvider(page);
    }
    assert.equal(here(page), '/signed-out?state=timeout');
    await assertFrame(page, { person: null });
    assert.equal((await page.locator('main h1').innerText()).trim(), 'We signed you out');
    assert.match(await page.locator('main').innerText(), /you did nothing for 30 minutes/);
    await audit.check(page, 'signed out after the timeout (en)');
    await open(page, stack.base, '/mandates/new');
    assert.notEqual(new URL(page.url()).origin, stack.base, 'signed out: the page asks the provider for a sign-in');
  });
  audit.assertClean();
});
