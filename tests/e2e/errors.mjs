// Each failure a person can meet is a message in the page (asserted on
// the DOM text, screenshot in $ARTIFACTS): a third person opening a room
// of two (full); camera and microphone refused (permission not granted),
// then joining without them; no camera or microphone at all (a browser
// without fake devices) joins receive-only and still sees and hears the
// other side; the server stopped: "reconnecting" then "cannot be reached"
// in a call, and a Join that cannot reach it. Run by test_call_errors.sh,
// whose server this script stops (SIGTERM to SERVER_PID) at the end.
import {
	ARGS, BASE_URL, run, launch, openPage, until, setStep, log, check, text, hook,
	notice, pcState, frames, shot,
} from './lib.mjs';

const granted = { permissions: ['camera', 'microphone'] };
const phone = { width: 390, height: 844 };
const id = process.pid;

async function noticeOf(page, kind, ms = 8000) {
	return until(`notice "${kind}"`, ms, async () => {
		const n = await notice(page);
		return n && n.kind === kind && n;
	});
}
const inRoom = (page, status) => until(`status "${status}"`, 10000, async () =>
	(await text(page, '#status')) === status && page.isVisible('#stage'));

run('errors', 160000, async () => {
	setStep('launch (fake devices, real permission prompts)');
	const browser = await launch(ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream'));

	setStep('room full');
	const a = await openPage(browser, 'A', `${BASE_URL}/?room=full${id}`, granted);
	await inRoom(a, 'Waiting for the other side');
	const b = await openPage(browser, 'B', `${BASE_URL}/?room=full${id}`, granted);
	await inRoom(b, 'The other side is here');
	const c = await openPage(browser, 'C', `${BASE_URL}/?room=full${id}`, { ...granted, viewport: phone });
	const full = await noticeOf(c, 'full');
	await check(full.text.startsWith(`Room \u201cfull${id}\u201d is full`), `C's notice: ${full.text}`);
	await check(await c.isVisible('#lobby'), 'C is not back in the lobby');
	await check(!(await hook(c, () => document.getElementById('local').srcObject.getTracks().length)),
		'C keeps its camera open after the refused join');
	await shot(c, 'error-full-phone.png');

	setStep('camera and microphone refused');
	const d = await openPage(browser, 'D', `${BASE_URL}/?room=cam${id}`);
	const refused = await noticeOf(d, 'camera-refused');
	await check(refused.text.startsWith('Camera and microphone access was refused.'), `D's notice: ${refused.text}`);
	await shot(d, 'error-camera-refused-desktop.png');
	await d.click('#noticeActions >> text=Join without camera and mic');
	await inRoom(d, 'Waiting for the other side');
	await check(await d.isDisabled('#mute'), 'D: mute is enabled with no microphone');

	setStep('no camera or microphone at all: receive-only');
	const bare = await launch(ARGS.filter((a) => a !== '--use-fake-device-for-media-stream'));
	const e = await openPage(bare, 'E', `${BASE_URL}/?room=bare${id}`, { viewport: phone });
	const none = await noticeOf(e, 'no-devices');
	await check(none.text.startsWith('No camera or microphone was found: you join receive-only'), `E's notice: ${none.text}`);
	await inRoom(e, 'Waiting for the other side');
	const g = await openPage(browser, 'G', `${BASE_URL}/?room=bare${id}`, granted);
	await inRoom(g, 'The other side is here');
	await g.click('#call');
	await until('G and E connected', 20000, async () =>
		(await pcState(g)) === 'connected' && (await pcState(e)) === 'connected');
	await until('E (receive-only) decodes G\'s video', 10000, async () => (await frames(e)) > 0);
	await until('G shows E\'s "Camera off" placeholder', 5000, async () =>
		(await g.isVisible('#remoteOff')) && (await text(g, '#remoteOffText')) === 'Camera off');
	await shot(e, 'receive-only-phone.png');

	setStep('server stopped');
	const h = await openPage(browser, 'H', `${BASE_URL}/`, granted);
	process.kill(Number(process.env.SERVER_PID), 'SIGTERM');
	const t0 = Date.now();
	const r = await noticeOf(a, 'reconnecting', 5000);
	await check(r.text === 'Connection to the server lost: reconnecting\u2026', `A's notice: ${r.text}`);
	const u = await noticeOf(a, 'unreachable', 15000);
	await check(u.text.startsWith('The server cannot be reached.'), `A's notice: ${u.text}`);
	log(`A: "cannot be reached" ${Date.now() - t0} ms after the server stopped`);
	await shot(a, 'error-server-lost-desktop.png');
	await h.click('#join');
	const hu = await noticeOf(h, 'unreachable');
	await check(hu.text.startsWith('The server cannot be reached. Check your network'), `H's notice: ${hu.text}`);
	await check(await h.isVisible('#lobby'), 'H left the lobby without a server');
	log('every error state showed its message');
});
