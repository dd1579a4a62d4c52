// Browser end to end of the seeds' socket.io pages (tests/e2e/seed-pages):
// two headless Chromium contexts open PAGE (seed003 or seed000) from a static
// server of another origin (PAGE_BASE), load socket.io.js from the signaling
// server (SERVER_URL) and place a relay-only call through it. Run by
// test_seed_003.sh / test_seed_000.sh inside a network namespace.
// Exit 0 on pass; on failure "FAIL: reason" and exit 1.
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const PAGE = process.env.PAGE || 'seed003';
const PAGE_BASE = process.env.PAGE_BASE || 'http://127.0.0.1:8000';
const SERVER_URL = process.env.SERVER_URL || 'http://127.0.0.1:8080';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ROOM = process.env.ROOM || 'seed' + Math.random().toString(36).slice(2, 8);
const OVERALL_MS = Number(process.env.OVERALL_MS || 100000);
const EXPECT_ICE = process.env.EXPECT_ICE !== '0';

// Chromium drops loopback ICE candidates unless --allow-loopback-in-peer-connection
// is given, and every server in these tests listens on 127.0.0.1.
const ARGS = [
	'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
	'--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

const logs = { A: [], B: [] };
let browser = null;
let step = 'start';

const log = (msg) => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${msg}`);

async function fail(reason) {
	console.log(`FAIL: ${reason} (step: ${step})`);
	for (const who of ['A', 'B']) {
		console.log(`--- page ${who} console (last 30 lines)`);
		for (const l of logs[who].slice(-30))
			console.log('  ' + l.slice(0, 300));
	}
	if (browser)
		await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 5000))]);
	process.exit(1);
}

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

async function openPage(who) {
	const context = await browser.newContext();
	const page = await context.newPage();
	page.on('console', (m) => logs[who].push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => logs[who].push(`pageerror: ${e.message}`));
	await page.goto(`${PAGE_BASE}/${PAGE}.html?server=${encodeURIComponent(SERVER_URL)}`, { timeout: 10000 });
	const src = await page.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean));
	if (!src.includes(`${SERVER_URL}/socket.io/socket.io.js`))
		await fail(`page ${who}: no script from ${SERVER_URL}/socket.io/socket.io.js (${src})`);
	if (!(await page.evaluate(() => typeof io === 'function')))
		await fail(`page ${who}: socket.io.js did not load from the server`);
	await until(`${who}: socket connected`, 10000, () => page.evaluate(() => window.seedTest.socket().connected));
	// the default transport mode: polling (cross-origin, CORS), then the upgrade
	await until(`${who}: upgraded to websocket`, 10000, () =>
		page.evaluate(() => window.seedTest.socket().io.engine.transport.name === 'websocket'));
	return page;
}

const events = (page, name) => page.evaluate((n) => window.seedTest.events.filter((e) => e[0] === n)
	.map((e) => e[1]), name);

async function checkIce(page, who) {
	if (!EXPECT_ICE)
		return;
	const joined = (await events(page, 'joined'))[0];
	const ice = PAGE === 'seed003' ? joined && joined.iceServers : await page.evaluate(() => window.seedTest.room.iceServers);
	const turn = (ice || []).filter((s) => [].concat(s.urls).some((u) => u.startsWith('turn:')));
	if (!turn.length || !turn[0].username || !turn[0].credential)
		await fail(`${who}: joined carries no TURN credentials: ${JSON.stringify(ice)}`);
}

async function joinSeed003(a, b) {
	for (const [who, p] of [['A', a], ['B', b]]) {
		await p.fill('#room', ROOM);
		await p.click('#join');
		await until(`${who}: joined`, 10000, async () => (await events(p, 'joined')).length === 1);
		await until(`${who}: local camera on the pc`, 10000, () => p.evaluate(() => window.seedTest.hasLocalTrack()));
	}
	const ja = (await events(a, 'joined'))[0];
	const jb = (await events(b, 'joined'))[0];
	if (ja.roomId !== ROOM || ja.userNum !== 1 || jb.roomId !== ROOM || jb.userNum !== 2)
		await fail(`joined payloads: A ${JSON.stringify(ja)}, B ${JSON.stringify(jb)}`);
	const bid = await b.evaluate(() => window.seedTest.socket().id);
	await until('A: otherjoined with B\'s id', 10000, async () => {
		const o = await events(a, 'otherjoined');
		return o.length === 1 && o[0].roomId === ROOM && o[0].userId === bid;
	});
	await until('A and B: canCall', 5000, async () =>
		(await a.evaluate(() => window.seedTest.state())) === 'canCall' &&
		(await b.evaluate(() => window.seedTest.state())) === 'canCall');
	await checkIce(a, 'A');
	await checkIce(b, 'B');
	await a.click('#call');
}

async function joinSeed000(a, b) {
	for (const [who, p, n] of [['A', a, 0], ['B', b, 1]]) {
		await p.evaluate((r) => window.seedTest.room.checkRoom(r), ROOM);
		await until(`${who}: checkRoomSuccess then joined`, 10000, async () => {
			const c = await events(p, 'checkRoomSuccess');
			const j = await events(p, 'joined');
			if (c.length && JSON.stringify(c[0]) !== JSON.stringify({ roomId: ROOM, userNum: n, capacity: 2 }))
				await fail(`${who}: checkRoomSuccess ${JSON.stringify(c[0])}`);
			return j.length === 1 && j[0].userNum === n + 1;
		});
	}
	await until('A: otherjoined', 10000, async () => (await events(a, 'otherjoined')).length === 1);
	await checkIce(a, 'A');
	await checkIce(b, 'B');
	// A invites, B accepts (answerVideo), A offers (receiveOffer), B answers
	// (receiveAnsewer), candidates both ways (addIceCandidate)
	await a.evaluate(() => window.seedTest.room.invite());
	await until('B: inviteVideo relayed', 10000, async () => (await events(b, 'inviteVideo')).length === 1);
	await b.evaluate(() => window.seedTest.room.accept());
	await until('A: answerVideo relayed', 10000, async () => (await events(a, 'answerVideo')).length === 1);
	await until('B: receiveOffer relayed', 10000, async () => (await events(b, 'receiveOffer')).length === 1);
	await until('A: receiveAnsewer relayed', 10000, async () => (await events(a, 'receiveAnsewer')).length === 1);
}

// A network blip in the middle of the call (issue 18): every connection of
// the pages to the signaling server is reset (ss -K, the kernel's socket
// destroy; the server sees a reset, the pages a WebSocket gone without a
// close frame). socket.io-client reconnects by itself and recovers its
// socket (connection state recovery: the same id, recovered): no bye on
// either side, the page unchanged.
async function blip(a, b) {
	const sock = (p) => p.evaluate(() => {
		const s = window.seedTest.socket();
		return { id: s.id, connected: s.connected, recovered: s.recovered };
	});
	const before = [await sock(a), await sock(b)];
	if (before.some((x) => x.recovered !== false))
		await fail(`recovered before any blip: ${JSON.stringify(before)}`);
	step = 'network blip';
	execFileSync('ss', ['-K', 'dst', '127.0.0.1', 'dport', '=', new URL(SERVER_URL).port]);
	// recovered is false until a reconnection recovers the socket.
	const after = await until('both sockets recovered', 15000, async () => {
		const s = [await sock(a), await sock(b)];
		return s.every((x) => x.connected && x.recovered) && s;
	});
	if (after[0].id !== before[0].id || after[1].id !== before[1].id)
		await fail(`ids changed across the blip: ${JSON.stringify([before, after])}`);
	for (const [who, p] of [['A', a], ['B', b]])
		if ((await events(p, 'bye')).length)
			await fail(`${who} got bye after a blip`);
	log('network blip: both sockets recovered (same ids), no bye');
}

async function main() {
	setTimeout(() => fail(`whole test over ${OVERALL_MS / 1000} s`), OVERALL_MS);
	step = 'launch';
	browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20000 });
	log(`chromium ${browser.version()}, ${PAGE}, room ${ROOM}, server ${SERVER_URL}, pages ${PAGE_BASE}`);
	step = 'open pages';
	const a = await openPage('A');
	const b = await openPage('B');
	log('both pages connected and upgraded to websocket');

	if (PAGE === 'seed003')
		await joinSeed003(a, b);
	else
		await joinSeed000(a, b);
	log('signaling done');

	const pcState = (p) => p.evaluate(() => {
		const pc = window.seedTest.pc();
		return pc ? pc.connectionState : 'no pc';
	});
	await until('both peer connections connected', 30000, async () => {
		const s = [await pcState(a), await pcState(b)];
		if (s.includes('failed'))
			await fail(`connection failed (A ${s[0]}, B ${s[1]})`);
		return s.every((x) => x === 'connected');
	});
	log('both connected');

	for (const [who, p] of [['A', a], ['B', b]]) {
		const frames = await until(`${who} decodes video frames`, 15000, () => p.evaluate(async () => {
			const stats = await window.seedTest.pc().getStats();
			let n = 0;
			stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded || 0; });
			return n > 0 && n;
		}));
		const pair = await until(`${who}: selected candidate pair`, 5000, () => p.evaluate(async () => {
			const stats = await window.seedTest.pc().getStats();
			let sel = null;
			stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) sel = stats.get(r.selectedCandidatePairId); });
			if (!sel)
				return null;
			return { local: stats.get(sel.localCandidateId).candidateType,
				remote: stats.get(sel.remoteCandidateId).candidateType };
		}));
		if (pair.local !== 'relay' || pair.remote !== 'relay')
			await fail(`${who}: selected pair ${JSON.stringify(pair)}, not relay/relay`);
		log(`${who}: ${frames} frames decoded, pair relay/relay`);
	}

	await blip(a, b);

	// hang up: seed 003 leave / seed 000 userLeave -> bye {roomId, userId} at the other
	step = 'hang up';
	const aid = await a.evaluate(() => window.seedTest.socket().id);
	if (PAGE === 'seed003')
		await a.evaluate(() => window.seedTest.leave());
	else
		await a.evaluate(() => window.seedTest.room.leave());
	await until('B: bye from A', 10000, async () => {
		const bye = await events(b, 'bye');
		return bye.length === 1 && bye[0].roomId === ROOM && bye[0].userId === aid;
	});
	log('bye reached B');
	step = 'close';
	await browser.close();
	log('PASS');
	process.exit(0);
}

main().catch((e) => fail(e.stack || String(e)));
