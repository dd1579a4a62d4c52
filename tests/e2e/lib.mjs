// Shared by the browser tests (run by tests/e2e/test_*.sh through lib.sh,
// inside the test's network namespace): one Chromium per script, pages
// with their console kept for the failure report, polling with a bound.
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.ARTIFACTS || 'build/test-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Without --allow-loopback-in-peer-connection Chromium
// gathers no candidates at all on loopback. Playwright adds --headless and
// a fresh profile; no --disable-features of our own. With the fake UI,
// getDisplayMedia returns a fake 1280x720 "screen" (Chromium 156).
export const ARGS = [
	'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

const logs = [];
const browsers = [];
let step = 'start';
let name = 'e2e';

export function log(msg) {
	console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${msg}`);
}

export function setStep(s) {
	step = s;
	log(s);
}

export async function fail(reason) {
	console.log(`FAIL: ${reason} (step: ${step})`);
	console.log('--- page consoles (last 60 lines)');
	for (const l of logs.slice(-60))
		console.log('  ' + l);
	try {
		mkdirSync(ARTIFACTS, { recursive: true });
		writeFileSync(path.join(ARTIFACTS, `${name}-console.log`), logs.join('\n'));
	} catch {}
	await Promise.race([Promise.all(browsers.map((b) => b.close().catch(() => {}))),
		new Promise((r) => setTimeout(r, 5000))]);
	process.exit(1);
}

export function check(cond, reason) {
	return cond ? Promise.resolve() : fail(reason);
}

// Starts the overall timer and runs main; PASS and exit 0 when it returns.
export function run(testName, overallMs, main) {
	name = testName;
	setTimeout(() => fail(`whole test over ${overallMs / 1000} s`), overallMs).unref();
	main().then(async () => {
		await Promise.race([Promise.all(browsers.map((b) => b.close().catch(() => {}))),
			new Promise((r) => setTimeout(r, 5000))]);
		log('PASS');
		process.exit(0);
	}, (e) => fail(e.stack || String(e)));
}

export async function launch(args = ARGS) {
	const b = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 20000 });
	browsers.push(b);
	return b;
}

// The test hooks (window.turnroomTest) the call page does not ship.
const HOOKS = fileURLToPath(new URL('hooks.js', import.meta.url));

// A page in a context of its own; `who` prefixes its console lines. With
// hooks (the default) every document gets tests/e2e/hooks.js, and the
// page is returned once window.turnroomTest is there.
export async function openPage(browser, who, url, { viewport = { width: 1280, height: 800 },
	permissions, hooks = true } = {}) {
	const context = await browser.newContext({ viewport, permissions });
	if (hooks)
		await context.addInitScript({ path: HOOKS });
	const page = await context.newPage();
	page.on('console', (m) => logs.push(`${who} ${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => logs.push(`${who} pageerror: ${e.message}`));
	await page.goto(url, { timeout: 15000 });
	if (hooks)
		await page.waitForFunction(() => 'turnroomTest' in window, null, { timeout: 10000 });
	return page;
}

// Polls fn (async, in node) until it returns a truthy value or ms pass.
export async function until(what, ms, fn) {
	step = what;
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e.message;
		}
		if (Date.now() > end)
			await fail(`timed out after ${ms / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
		await new Promise((r) => setTimeout(r, 150));
	}
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const text = (page, sel) => page.textContent(sel);
export const hook = (page, expr, arg) => page.evaluate(expr, arg);
export const pcState = (page) => page.evaluate(() => {
	const pc = window.turnroomTest.pc;
	return pc ? pc.connectionState : 'no pc';
});
export const counters = (page) => page.evaluate(() => ({ ...window.turnroomTest.counters }));
export const frames = (page) => page.evaluate(() => window.turnroomTest.framesDecoded());

// The notice box: its kind and text when shown, else null.
export const notice = (page) => page.evaluate(() => {
	const n = document.getElementById('notice');
	return n.hidden ? null : { kind: n.dataset.kind, text: n.textContent };
});

export async function bothConnected(a, b, ms = 20000) {
	await until('both peer connections "connected"', ms, async () => {
		const s = [await pcState(a), await pcState(b)];
		return s.every((x) => x === 'connected');
	});
}

// Frames decoded by `page` grow over `ms` (true) or do not (false).
export async function framesGrow(page, ms) {
	const n0 = await frames(page);
	await sleep(ms);
	return (await frames(page)) - n0;
}

export async function shot(page, file) {
	mkdirSync(ARTIFACTS, { recursive: true });
	const p = path.join(ARTIFACTS, file);
	await page.screenshot({ path: p });
	log(`screenshot ${p}`);
	return p;
}
