// Glare: A and B are in a room and press Call at the same instant (both
// clicks scheduled for one wall-clock moment), 20 times; every time both
// peer connections reach "connected" with one peer connection per page
// per round (perfect negotiation resolved the collision; nothing was torn
// down and made anew) and B decodes A's video. Between rounds B hangs up
// and rejoins (a new userId each time, so either side may be the polite
// one). The offers must really have crossed in most rounds (the pages
// count collisions). Run by test_call_glare.sh.
import {
	BASE_URL, run, launch, openPage, until, setStep, log, check, text, hook,
	counters, frames,
} from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS || 20);

// A page's call state, for the failure report.
const st = (page) => hook(page, () => {
	const t = window.turnroomTest;
	const pc = t.pc;
	return !pc ? 'no pc' : `${pc.connectionState}/${pc.signalingState} ${JSON.stringify(t.counters)} ` +
		pc.getTransceivers().map((x) => `${x.mid}:${x.direction}:${x.currentDirection}`).join(',');
});

async function join(page, room) {
	await page.fill('#room', room);
	await page.click('#join');
}

run('glare', 170000, async () => {
	setStep('launch');
	const browser = await launch();
	const a = await openPage(browser, 'A', `${BASE_URL}/`, { viewport: { width: 640, height: 480 } });
	const b = await openPage(browser, 'B', `${BASE_URL}/`, { viewport: { width: 640, height: 480 } });
	let collisions = 0;
	const room = `glare${process.pid}`;
	await join(a, room);
	await until('A in the room', 10000, async () => (await text(a, '#status')) === 'Waiting for the other side');
	await join(b, room);
	for (let i = 1; i <= ROUNDS; i++) {
		setStep(`round ${i}`);
		await until('both see the other side', 10000, async () =>
			(await text(a, '#status')) === 'The other side is here' &&
			(await text(b, '#status')) === 'The other side is here');
		const c0 = [await counters(a), await counters(b)];
		const at = Date.now() + 250;
		const press = (page) => hook(page, (t) => setTimeout(() => document.getElementById('call').click(),
			t - Date.now()), at);
		await Promise.all([press(a), press(b)]);
		await until('both peer connections "connected"', 15000, async () => {
			const s = [await st(a), await st(b)];
			if (s.every((x) => x.startsWith('connected/')))
				return true;
			throw new Error(s.join(' | ')); // the last state goes in the failure
		});
		await until('B decodes A\'s video', 8000, async () => (await frames(b)) > 0);
		const c1 = [await counters(a), await counters(b)];
		for (const [w, k] of [[0, 'A'], [1, 'B']])
			await check(c1[w].pcs - c0[w].pcs === 1, `${k} made ${c1[w].pcs - c0[w].pcs} peer connections`);
		const crossed = c1[0].collisions - c0[0].collisions + c1[1].collisions - c0[1].collisions;
		collisions += crossed > 0;
		// B hangs up and comes back with "Rejoin" (a new userId: the
		// polite side changes from round to round).
		await b.click('#hangup');
		await until('A sees B leave', 5000, async () => !(await hook(a, () => window.turnroomTest.pc)));
		await b.click('#noticeActions >> text=Rejoin');
	}
	const stalls = (await counters(a)).stalls + (await counters(b)).stalls;
	log(`${ROUNDS} rounds connected; the offers crossed in ${collisions}; ICE stalls restarted: ${stalls}`);
	await check(collisions >= ROUNDS / 2, `offers crossed in only ${collisions} of ${ROUNDS} rounds: not a glare test`);
});
