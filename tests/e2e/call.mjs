// Browser end to end: two headless Chromium contexts open turnroom's page,
// join one room and call each other with relay only. Run by
// test_browser_call.sh inside a network namespace; needs BASE_URL
// (http://127.0.0.1:PORT), optional ARTIFACTS (screenshot dir), CHROMIUM.
// Exit 0 on pass; on failure "FAIL: reason" and exit 1.
import { chromium } from 'playwright-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:8080';
const ARTIFACTS = process.env.ARTIFACTS || 'build/test-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ROOM = process.env.ROOM || 'e2e' + Math.random().toString(36).slice(2, 8);
const OVERALL_MS = Number(process.env.OVERALL_MS || 100000);
// TURNS_ONLY=1: the page keeps only turns: URLs (?ice=turns) and the relay
// must be reached over TLS; the test certificate is self-signed.
const TURNS_ONLY = process.env.TURNS_ONLY === '1';

// testing-notes.md: without --allow-loopback-in-peer-connection Chromium
// gathers no candidates at all on loopback. Playwright adds --headless and
// its own fresh profile (user data dir); no --disable-features of our own.
const ARGS = [
	'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
	...(TURNS_ONLY ? ['--ignore-certificate-errors'] : []),
];

const logs = { A: [], B: [] };
let browser = null;
let step = 'start';

function log(msg) {
	console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${msg}`);
}

async function fail(reason) {
	console.log(`FAIL: ${reason} (step: ${step})`);
	for (const who of ['A', 'B']) {
		console.log(`--- page ${who} console (last 40 lines)`);
		for (const l of logs[who].slice(-40))
			console.log('  ' + l);
	}
	try {
		mkdirSync(ARTIFACTS, { recursive: true });
		writeFileSync(path.join(ARTIFACTS, 'e2e-console.log'),
			['A', 'B'].map((w) => logs[w].map((l) => w + ': ' + l).join('\n')).join('\n'));
	} catch {}
	if (browser)
		await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 5000))]);
	process.exit(1);
}

// Polls fn (async, in node) until it returns a truthy value or ms pass.
async function until(what, ms, fn) {
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
		await new Promise((r) => setTimeout(r, 200));
	}
}

const status = (page) => page.textContent('#status');
const pcState = (page) => page.evaluate(() => {
	const pc = window.turnroomTest && window.turnroomTest.pc;
	return pc ? pc.connectionState : 'no pc';
});

async function openPage(who) {
	const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
	const page = await context.newPage();
	page.on('console', (m) => logs[who].push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => logs[who].push(`pageerror: ${e.message}`));
	await page.goto(`${BASE_URL}/?room=${ROOM}${TURNS_ONLY ? '&ice=turns' : ''}`, { timeout: 10000 });
	const room = await page.inputValue('#room');
	if (room !== ROOM)
		await fail(`page ${who}: room field is ${JSON.stringify(room)}, not ${ROOM} from ?room=`);
	await page.check('#relayonly');
	return page;
}

async function main() {
	setTimeout(() => fail(`whole test over ${OVERALL_MS / 1000} s`), OVERALL_MS);
	step = 'launch';
	browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20000 });
	log(`chromium ${browser.version()}, room ${ROOM}, ${BASE_URL}`);

	step = 'open pages';
	const a = await openPage('A');
	const b = await openPage('B');

	await a.click('#join');
	await until('A: "waiting for a peer"', 10000, async () => (await status(a)) === 'waiting for a peer');
	await b.click('#join');
	await until('A and B: "can call"', 10000, async () =>
		(await status(a)) === 'can call' && (await status(b)) === 'can call');
	log('both joined');

	await a.click('#call');
	await until('both peer connections "connected"', 30000, async () => {
		const s = [await pcState(a), await pcState(b)];
		return s.every((x) => x === 'connected') || (s.includes('failed') ?
			fail(`connection failed (A ${s[0]}, B ${s[1]})`) : false);
	});
	log('both connected');

	const frames = await until('B decodes video frames', 15000, async () => {
		const n = await b.evaluate(() => window.turnroomTest.framesDecoded());
		return n > 0 && n;
	});
	log(`B decoded ${frames} frames`);

	for (const [who, page] of [['A', a], ['B', b]]) {
		const types = await until(`${who}: selected candidate pair`, 5000, () =>
			page.evaluate(() => window.turnroomTest.selectedPairTypes()));
		if (types.local !== 'relay' || types.remote !== 'relay')
			await fail(`${who}: selected pair is ${JSON.stringify(types)}, not relay/relay`);
		if (TURNS_ONLY && types.relayProtocol !== 'tls')
			await fail(`${who}: relay reached over ${types.relayProtocol}, not tls`);
		await until(`${who}: status "in call" and conntype relay`, 5000, async () =>
			(await status(page)) === 'in call' && (await page.textContent('#conntype')).startsWith('relay'));
	}
	log('selected pairs are relay/relay on both sides');

	const text = 'hello over the relay ' + ROOM;
	await until('A: data channel open', 10000, () =>
		a.evaluate(() => window.turnroomTest.dc && window.turnroomTest.dc.readyState === 'open'));
	await a.fill('#chat', text);
	await a.click('#send');
	await until('B: data channel message', 10000, () =>
		b.evaluate((t) => window.turnroomTest.lastMessage === t, text));
	log('data channel message arrived');

	step = 'screenshot';
	await until('B: remote video playing', 5000, () =>
		b.evaluate(() => document.getElementById('remote').videoWidth > 0));
	mkdirSync(ARTIFACTS, { recursive: true });
	const shot = path.join(ARTIFACTS, process.env.SHOT || 'e2e-call.png');
	await b.screenshot({ path: shot });
	log(`screenshot ${shot}`);

	await a.click('#hangup');
	await until('B: "waiting for a peer" after A hangs up', 10000, async () =>
		(await status(b)) === 'waiting for a peer' && (await pcState(b)) === 'no pc');
	log('hang up reached B');

	step = 'close';
	await browser.close();
	log('PASS');
	process.exit(0);
}

main().catch((e) => fail(e.stack || String(e)));
