// Relay only, through the invite link: A opens the page with the relay-only
// switch on (?relay=only), joins and hands its invite link to B, who opens
// it (also relay-only) and is in the room at once; A calls; the selected
// candidate pair is relay/relay on both sides, B decodes video, the quality
// line says "Relayed over UDP" or TCP (TURNS_ONLY=1: only turns: URLs are offered,
// the relay is reached over TLS and the page warns about it); hang up
// reaches B. Run by test_browser_call.sh in its network namespace, and by
// test_browser_call_cluster.sh with BASE_URL_B: B then opens the invite
// link on another node of the cluster (same room, another server).
import {
	BASE_URL, run, launch, openPage, until, setStep, log, check, text, hook,
	notice, bothConnected, framesGrow, shot,
} from './lib.mjs';

const TURNS_ONLY = process.env.TURNS_ONLY === '1';
const BASE_URL_B = process.env.BASE_URL_B || BASE_URL;
const extra = '&relay=only' + (TURNS_ONLY ? '&ice=turns' : '');
const ARGS_TLS = TURNS_ONLY ? ['--ignore-certificate-errors'] : []; // self-signed test certificate

run(TURNS_ONLY ? 'call-turns' : 'call-relay', 100000, async () => {
	setStep('launch');
	const { ARGS } = await import('./lib.mjs');
	const browser = await launch([...ARGS, ...ARGS_TLS]);
	const a = await openPage(browser, 'A', `${BASE_URL}/?room=relay${process.pid}${extra}`);
	await check(await a.isChecked('#relayonly'), 'A: ?relay=only did not set the relay-only switch');
	await until('A: "Waiting for the other side"', 10000, async () =>
		(await text(a, '#status')) === 'Waiting for the other side');
	const link = await a.inputValue('#inviteLink');
	await check(link === `${BASE_URL}/?room=relay${process.pid}`, `invite link ${link}`);

	setStep('B opens the invite link');
	const b = await openPage(browser, 'B', link.replace(BASE_URL, BASE_URL_B) + extra,
		{ viewport: { width: 900, height: 640 } });
	await until('A and B: "The other side is here"', 10000, async () =>
		(await text(a, '#status')) === 'The other side is here' &&
		(await text(b, '#status')) === 'The other side is here');

	setStep('A calls');
	await a.click('#call');
	await bothConnected(a, b, 30000);
	await until('B decodes video', 15000, async () => (await framesGrow(b, 300)) > 0);
	// Offered UDP and TCP, ICE may settle on either (TCP under load).
	const want = TURNS_ONLY ? ['tls'] : ['udp', 'tcp'];
	for (const [who, page] of [['A', a], ['B', b]]) {
		const p = await until(`${who}: selected candidate pair`, 5000,
			() => hook(page, () => window.turnroomTest.path()));
		await check(p.local === 'relay' && p.remote === 'relay', `${who}: selected pair ${JSON.stringify(p)}, not relay/relay`);
		await check(want.includes(p.relayProtocol), `${who}: relay reached over ${p.relayProtocol}, not ${want}`);
		await until(`${who}: quality line "Relayed over ${p.relayProtocol.toUpperCase()}"`, 5000, async () =>
			(await text(page, '#qualityText')).startsWith('Relayed over ' + p.relayProtocol.toUpperCase()));
		await check(await page.isVisible('#qualityWarn') === TURNS_ONLY,
			`${who}: the relayed-over-TLS warning is ${TURNS_ONLY ? 'missing' : 'shown'}`);
	}
	log('relay/relay on both sides: ' + await text(a, '#qualityText'));
	await until('B: remote video playing', 5000, () =>
		hook(b, () => document.getElementById('remote').videoWidth > 0));
	await shot(b, process.env.SHOT || 'e2e-call.png');

	setStep('A hangs up');
	await a.click('#hangup');
	await until('B: "The other side left the call."', 10000, async () =>
		((await notice(b)) || {}).kind === 'peer-left' && (await hook(b, () => !window.turnroomTest.pc)));
});
