// Glare: A and B are in a room and press Call at the same instant (both
// clicks scheduled for one wall-clock moment), 20 times; every time both
// peer connections reach "connected" with one peer connection per page
// (perfect negotiation resolved the collision; nothing was torn down and
// made anew) and B decodes A's video. Offers must really have crossed:
// collisions are counted by the pages. Run by test_call_glare.sh.
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
	const a = await openPage(browser, 'A', `${BASE_URL}/?test`, { viewport: { width: 640, height: 480 } });
	const b = await openPage(browser, 'B', `${BASE_URL}/?test`, { viewport: { width: 640, height: 480 } });
	let collisions = 0;
	for (let i = 1; i <= ROUNDS; i++) {
		setStep(`round ${i}`);
		const room = `glare${process.pid}-${i}`;
		await join(a, room);
		await until('A in the room', 10000, async () => (await text(a, '#status')) === 'Waiting for the other side');
		await join(b, room);
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
		await a.click('#hangup');
		await until('B sees A leave', 5000, async () => !(await hook(b, () => window.turnroomTest.pc)));
		await b.click('#hangup');
		await until('both back in the lobby', 5000, async () =>
			(await a.isVisible('#lobby')) && (await b.isVisible('#lobby')));
	}
	log(`${ROUNDS} rounds connected; the offers crossed in ${collisions}`);
	await check(collisions >= ROUNDS / 2, `offers crossed in only ${collisions} of ${ROUNDS} rounds: not a glare test`);
});
