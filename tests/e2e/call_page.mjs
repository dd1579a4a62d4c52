// The call page as a person uses it (default ICE policy): A joins, copies
// the invite link, B opens it (phone-sized) and is in the room at once;
// the call connects; mute silences B's inbound audio and unmute brings it
// back; camera off stops B's decoded frames (placeholder shown) and on
// restarts them; screen share switches A's outbound track with no new
// offer/answer; the device picker switches the microphone, again without
// renegotiation, and the speaker picker sets the sink; hang up shows "the other side left" on B. Screenshots of
// both sizes in call land in $ARTIFACTS. The page as served has no test
// hooks (window.turnroomTest comes from tests/e2e/hooks.js), ?test or not.
import {
	BASE_URL, run, launch, openPage, until, setStep, log, check, sleep, text, hook,
	counters, notice, bothConnected, framesGrow, shot,
} from './lib.mjs';

const energy = (page) => hook(page, () => window.turnroomTest.audioEnergy());
async function energyGrowth(page, ms) {
	const e0 = await energy(page);
	await sleep(ms);
	return (await energy(page)) - e0;
}
const inbound = (page) => hook(page, () => window.turnroomTest.inboundVideo());
const sentVideo = (page) => hook(page, () => {
	const t = window.turnroomTest.senders.video.track;
	return t ? { id: t.id, label: t.label, surface: t.getSettings().displaySurface || null } : null;
});
const visible = (page, sel) => page.isVisible(sel);

run('call-page', 150000, async () => {
	setStep('launch');
	const browser = await launch();
	const a = await openPage(browser, 'A', `${BASE_URL}/`);
	await a.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });

	setStep('A joins from the lobby');
	await check(await visible(a, '#lobby'), 'A: the lobby is not shown at /');
	const roomName = await a.inputValue('#room');
	await shot(a, 'lobby-desktop.png');
	await a.click('#join');
	await until('A: "Waiting for the other side"', 10000, async () =>
		(await text(a, '#status')) === 'Waiting for the other side');
	await shot(a, 'waiting-desktop.png');
	const link = await a.inputValue('#inviteLink');
	await check(link === `${BASE_URL}/?room=${roomName}`, `invite link is ${link}`);
	await a.click('#copy');
	const copied = await until('A: "Copied" and the link in the clipboard', 5000, async () =>
		(await text(a, '#copy')) === 'Copied' && hook(a, () => navigator.clipboard.readText()));
	await check(copied === link, `clipboard holds ${copied}, not ${link}`);
	await check(new URL(a.url()).searchParams.get('room') === roomName, `A's address is ${a.url()}`);

	setStep('B opens the invite link on a phone-sized page');
	const b = await openPage(browser, 'B', link, { viewport: { width: 390, height: 844 } });
	await until('B: in the room without pressing Join', 10000, async () =>
		(await text(b, '#status')) === 'The other side is here' && visible(b, '#stage'));
	await until('A: "The other side is here"', 5000, async () =>
		(await text(a, '#status')) === 'The other side is here');

	setStep('A presses Call');
	await a.click('#call');
	await bothConnected(a, b);
	await until('B decodes video', 10000, async () => (await framesGrow(b, 300)) > 0);
	await until('A: quality line "Direct ... RTT ... loss"', 5000, async () =>
		/^Direct over (UDP|TCP) · RTT \d+ ms · ↓ \d.* · ↑ \d.* · loss \d+\.\d %$/.test(await text(a, '#qualityText')));
	await until('A: "In call"', 5000, async () => (await text(a, '#status')) === 'In call');
	log('connected: ' + await text(a, '#qualityText'));

	setStep('mute (key m)');
	await until('B hears A (audio energy grows)', 5000, async () => (await energyGrowth(b, 1000)) > 1e-4);
	const loud = await energyGrowth(b, 1500);
	await a.keyboard.press('m');
	await check(await a.getAttribute('#mute', 'aria-pressed') === 'true', 'A: mute not pressed');
	await until('B: "Their microphone is muted"', 5000, () => visible(b, '#remoteMuted'));
	await sleep(500); // audio in flight
	const muted = await energyGrowth(b, 1500);
	log(`audio energy over 1.5 s: ${loud.toExponential(2)} unmuted, ${muted.toExponential(2)} muted`);
	await check(muted < loud / 100, `B's audio energy still grows while A is muted (${muted} vs ${loud})`);
	await a.keyboard.press('m');
	await until('B hears A again after unmute', 5000, async () => (await energyGrowth(b, 1000)) > loud / 10);
	await check(!await visible(b, '#remoteMuted'), 'B still shows A muted');

	setStep('camera off (button)');
	await a.click('#camera');
	await until('B: placeholder "Camera off"', 5000, async () =>
		await visible(b, '#remoteOff') && (await text(b, '#remoteOffText')) === 'Camera off');
	await sleep(1000); // frames in flight or in the jitter buffer
	const offFrames = await framesGrow(b, 1500);
	await check(offFrames === 0, `B decoded ${offFrames} frames while A's camera was off`);
	await check(await visible(a, '#localOff'), 'A: no "camera off" placeholder on the preview');
	await a.click('#camera');
	await until('B decodes frames again after camera on', 8000, async () => (await framesGrow(b, 500)) > 0);
	await until('B: placeholder gone', 3000, async () => !await visible(b, '#remoteOff'));

	setStep('screen share (key s)');
	const before = [await counters(a), await counters(b)];
	const cam = await sentVideo(a);
	await a.keyboard.press('s');
	const screen = await until('A sends a display-capture track', 5000, async () => {
		const t = await sentVideo(a);
		return t && t.id !== cam.id && t.surface && t;
	});
	const wide = await until('B receives 16:9 frames (the fake screen)', 10000, async () => {
		const v = await inbound(b);
		return v && v.width / v.height > 1.6 && v;
	});
	log(`sharing ${screen.label} (${screen.surface}); B decodes ${wide.width}x${wide.height}`);
	await a.keyboard.press('s');
	await until('A sends the camera again', 5000, async () => {
		const t = await sentVideo(a);
		return t && !t.surface;
	});
	await until('B receives 4:3 frames again', 10000, async () => {
		const v = await inbound(b);
		return v && Math.abs(v.width / v.height - 4 / 3) < 0.05;
	});

	setStep('device picker: the second microphone');
	await a.click('#devicesBtn');
	const mics = await a.$$eval('#micSelect option', (o) => o.map((x) => ({ v: x.value, t: x.textContent })));
	await check(mics.length >= 2, `A: ${mics.length} microphones listed`);
	await check((await a.$$eval('#camSelect option', (o) => o.length)) >= 1, 'A: no camera listed');
	const other = mics.find((m) => m.v !== 'default' && !/Default/.test(m.t)) || mics[1];
	await a.selectOption('#micSelect', other.v);
	await until(`A sends audio from "${other.t}"`, 5000, () => hook(a, (label) =>
		window.turnroomTest.senders.audio.track.label === label, other.t));
	await until('B hears A on the new microphone', 5000, async () => (await energyGrowth(b, 1000)) > 1e-4);
	const after = [await counters(a), await counters(b)];
	for (const k of ['offersSent', 'offersReceived'])
		for (const i of [0, 1])
			await check(after[i][k] === before[i][k],
				`${'AB'[i]}.${k} went ${before[i][k]} -> ${after[i][k]}: share/device switch renegotiated`);
	const speakers = await a.$$eval('#spkSelect option', (o) => o.map((x) => x.value));
	await check(speakers.length >= 2 && await a.isVisible('#spkSelect'), `A: ${speakers.length} speakers listed`);
	await a.selectOption('#spkSelect', speakers[1]);
	await until('A plays the call on the second speaker (setSinkId)', 5000, () =>
		hook(a, (id) => document.getElementById('remote').sinkId === id, speakers[1]));
	await a.click('#devicesBtn');

	setStep('screenshots in call (desktop A, phone B)');
	await until('both videos playing', 5000, async () =>
		(await hook(a, () => document.getElementById('remote').videoWidth)) > 0 &&
		(await hook(b, () => document.getElementById('remote').videoWidth)) > 0);
	await sleep(1200); // a full quality line
	await shot(a, 'call-desktop.png');
	await shot(b, 'call-phone.png');

	setStep('A hangs up (key h)');
	await a.keyboard.press('h');
	await until('A: back in the lobby, "You left the call."', 5000, async () =>
		await visible(a, '#lobby') && (await notice(a) || {}).kind === 'left');
	const n = await until('B: "The other side left the call."', 5000, async () => {
		const x = await notice(b);
		return x && x.kind === 'peer-left' && x;
	});
	await check(n.text.startsWith('The other side left the call.'), `B's notice: ${n.text}`);
	await check((await text(b, '#status')) === 'Waiting for the other side', 'B status after the peer left');
	await shot(b, 'peer-left-phone.png');

	setStep('no test hooks in the page as served');
	const plain = await openPage(browser, 'P', `${BASE_URL}/?test`, { hooks: false });
	await check(await hook(plain, () => 'turnroomTest' in window) === false,
		'window.turnroomTest exists without tests/e2e/hooks.js');
});
