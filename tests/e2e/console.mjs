// The web console in Chromium (tests/e2e/test_console_page.sh): log in as
// an admin user, the overview's allocations equal /metrics at the same
// moment (while a raw client holds one), the Users page adds a user, the
// CSP holds (no page errors), screenshots at desktop and phone width.
import path from 'node:path';
import { ARTIFACTS, check, launch, log, run, setStep, until } from './lib.mjs';

const CONSOLE = process.env.CONSOLE_URL;
const METRICS = process.env.METRICS_URL;

async function metric(name) {
	const t = await (await fetch(METRICS)).text();
	const line = t.split('\n').find((l) => l.startsWith(name + ' '));
	return line ? Number(line.split(' ')[1]) : NaN;
}

async function login(browser, viewport) {
	const context = await browser.newContext({ viewport });
	const page = await context.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	await page.goto(CONSOLE + '/', { timeout: 15000 });
	await page.fill('#login input[name=name]', 'boss');
	await page.fill('#login input[name=password]', 'wrong');
	await page.click('#login button');
	await until('the wrong password refused', 5000, async () =>
		(await page.textContent('#login-msg')).includes('wrong'));
	errors.length = 0; // the 401 of that try is logged by Chromium
	await page.fill('#login input[name=password]', 'boss-pw');
	await page.click('#login button');
	await until('the overview', 5000, () => page.isVisible('#cards .card'));
	return { page, errors };
}

run('console', 80000, async () => {
	const browser = await launch();
	setStep('log in at desktop width');
	const { page, errors } = await login(browser, { width: 1280, height: 800 });
	await check((await page.textContent('#who')) === 'boss', 'who is not boss');

	setStep('overview allocations equal /metrics');
	const want = await metric('turnroom_allocations');
	await check(want >= 1, `the held allocation is not in /metrics (${want})`);
	await until('the card to show /metrics', 5000, async () => {
		const cards = await page.$$eval('#cards .card', (cs) => cs.map((c) => c.textContent));
		return cards.includes(`${await metric('turnroom_allocations')}allocations`);
	});
	await page.waitForTimeout(2100); // a few points on the graph
	await page.screenshot({ path: path.join(ARTIFACTS, 'console-overview-desktop.png') });

	setStep('add a user from the Users page');
	await page.click('nav button[data-tab=users]');
	await page.fill('#uadd input[name=name]', 'pageuser');
	await page.fill('#uadd input[name=realm]', 'turnroom.test');
	await page.fill('#uadd input[name=password]', 'page-pw');
	await page.click('#uadd button');
	await until('pageuser listed', 5000, async () =>
		(await page.textContent('#ulist')).includes('pageuser'));
	await page.screenshot({ path: path.join(ARTIFACTS, 'console-users-desktop.png') });

	setStep('configuration page masks secrets');
	await page.click('nav button[data-tab=config]');
	await until('the options', 5000, async () =>
		(await page.textContent('#clist')).includes('static-auth-secret'));
	const cfg = await page.textContent('#clist');
	await check(!cfg.includes(process.env.SECRET), 'the static-auth-secret is on the page');
	await check(errors.length === 0, `page errors (CSP?): ${errors.join('; ')}`);

	setStep('phone width');
	const phone = await login(browser, { width: 390, height: 844 });
	await phone.page.waitForTimeout(1100);
	const w = await phone.page.evaluate(() => document.documentElement.scrollWidth);
	await check(w <= 390, `the overview scrolls sideways on a phone (${w} px)`);
	await phone.page.screenshot({ path: path.join(ARTIFACTS, 'console-overview-phone.png') });
	log(`screenshots in ${ARTIFACTS}`);
});
