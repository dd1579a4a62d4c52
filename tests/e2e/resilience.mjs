// A relay-only call survives: (1) every path to the TURN server is cut
// under the live call (tc in the test's namespace starves the ports of
// Chromium's TURN sockets): the pages restart ICE, fetch fresh TURN
// credentials (the server's ice-credential-ttl is short, so they are near
// expiry), come back on new allocations within 10 s and frames flow again; (2) A's WebSocket drops:
// A shows "reconnecting", resumes its slot, the call never stops, and
// signaling works again (A's mute reaches B). Run by test_call_resilience.sh.
import { execFileSync } from 'node:child_process';
import {
	BASE_URL, run, launch, openPage, until, setStep, log, check, sleep, text, hook,
	counters, notice, pcState, bothConnected, framesGrow, shot,
} from './lib.mjs';

const RECOVER_MS = 10000;
const tc = (...args) => execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });

// The network under the call changes: every packet to or from a port that
// Chromium's TURN clients use now (UDP sockets and TCP connections to
// :3478) goes to a class allowed 8 bit/s with a one-packet queue, so each
// path of the call dies (ICE cannot just switch to a backup pair) while a
// new gathering, on new sockets, gets through. (This kernel has htb and
// the u32 classifier but no drop action.)
function cutTurnPaths() {
	const ss = execFileSync('ss', ['-tuanpH']).toString().split('\n');
	const ports = new Set();
	for (const line of ss) {
		if (!/chromium/.test(line))
			continue;
		const [, , , , local, peer] = line.trim().split(/\s+/);
		if (/^udp/.test(line) || /:3478$/.test(peer))
			ports.add(local.split(':').pop());
	}
	tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10');
	tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
	tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '8bit',
		'ceil', '8bit', 'burst', '1', 'cburst', '1');
	tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '1');
	for (const port of ports)
		for (const dir of ['dport', 'sport'])
			tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
				'match', 'ip', dir, port, '0xffff', 'flowid', '1:20');
	return [...ports];
}

const path = (page) => hook(page, () => window.turnroomTest.path());

run('resilience', 100000, async () => {
	setStep('launch');
	const browser = await launch();
	const room = 'res' + process.pid;
	const a = await openPage(browser, 'A', `${BASE_URL}/?room=${room}&relay=only`);
	await until('A in the room', 10000, async () => (await text(a, '#status')) === 'Waiting for the other side');
	const b = await openPage(browser, 'B', `${BASE_URL}/?room=${room}&relay=only`);
	await until('B in the room', 10000, async () => (await text(b, '#status')) === 'The other side is here');
	await a.click('#call');
	await bothConnected(a, b);
	await until('B decodes video', 10000, async () => (await framesGrow(b, 300)) > 0);
	const p0 = await path(a);
	await check(p0.local === 'relay' && p0.relayProtocol === 'udp', `A's path before the cut: ${JSON.stringify(p0)}`);

	setStep('cut every path to the TURN server');
	const before = [await counters(a), await counters(b)];
	const ports = cutTurnPaths();
	const t0 = Date.now();
	log(`starving Chromium's TURN client ports ${ports.join(' ')}`);
	await until('a page notices (disconnected)', RECOVER_MS, async () =>
		(await pcState(a)) !== 'connected' || (await pcState(b)) !== 'connected');
	const tLost = Date.now() - t0;
	await until('A and B show "Reconnecting…"', 5000, async () =>
		(await text(a, '#status')) === 'Reconnecting\u2026' || (await text(b, '#status')) === 'Reconnecting\u2026');
	await until(`the call back within ${RECOVER_MS / 1000} s of the cut`, RECOVER_MS - (Date.now() - t0), async () =>
		(await pcState(a)) === 'connected' && (await pcState(b)) === 'connected');
	const tBack = Date.now() - t0;
	await until('frames flow again on B within the same 10 s', Math.max(500, RECOVER_MS - (Date.now() - t0)),
		async () => (await framesGrow(b, 300)) > 0);
	const p1 = await path(a);
	const after = [await counters(a), await counters(b)];
	log(`lost after ${tLost} ms, back after ${tBack} ms; A now ${JSON.stringify(p1)}; ` +
		`restarts A ${after[0].iceRestarts} B ${after[1].iceRestarts}, refreshes A ${after[0].refreshes} B ${after[1].refreshes}`);
	await check(p1.local === 'relay' && p1.id !== p0.id, `A's path after the cut: ${JSON.stringify(p1)}`);
	await check(after[0].iceRestarts + after[1].iceRestarts > before[0].iceRestarts + before[1].iceRestarts,
		'no ICE restart was made');
	await check(after[0].refreshes + after[1].refreshes > 0, 'no fresh TURN credentials were asked for');
	await check(after[0].pcs === 1 && after[1].pcs === 1, 'the call was torn down and made anew, not restarted');
	await until('A: quality line "Relayed over ..."', 3000, async () =>
		(await text(a, '#qualityText')).startsWith('Relayed over ' + p1.relayProtocol.toUpperCase()));

	setStep('A loses its WebSocket');
	const uid = await hook(a, () => window.turnroomTest.room.userId);
	await hook(a, () => window.turnroomTest.closeSignaling());
	const n = await until('A: "reconnecting" notice', 3000, async () => {
		const x = await notice(a);
		return x && x.kind === 'reconnecting' && x;
	});
	await check(/reconnecting/.test(n.text), `A's notice: ${n.text}`);
	await shot(a, 'reconnecting-desktop.png');
	await until('A resumed (notice gone, same userId)', 10000, async () =>
		!(await notice(a)) && (await hook(a, () => window.turnroomTest.room.connected)));
	await check(await hook(a, () => window.turnroomTest.room.userId) === uid, 'A came back with another userId');
	await check((await pcState(a)) === 'connected' && (await pcState(b)) === 'connected', 'the call dropped during the resume');
	await a.keyboard.press('m');
	await until('B sees A muted (signaling works after the resume)', 5000, () => b.isVisible('#remoteMuted'));
	await check((await framesGrow(b, 500)) > 0, 'B decodes no frames after the resume');
});
