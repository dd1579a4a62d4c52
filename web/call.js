/*
 * call.js: the 1:1 call page served at / (index.html holds the markup).
 * Signaling is web/turnroom.js; media is plain WebRTC:
 *
 * - Perfect negotiation (W3C WebRTC 1.0, "Perfect negotiation example"):
 *   the member with the larger userId is polite, so two Call presses at
 *   the same instant end in one call, never a torn-down one.
 * - One audio and one video transceiver per call, always sendrecv; mute
 *   sets track.enabled, camera off and screen share use replaceTrack, so
 *   none of them needs a new offer/answer round. The other side learns
 *   the state from a small `state` message and shows a placeholder.
 * - ICE restart on disconnected/failed, with fresh TURN credentials when
 *   the ones in hand are near expiry; signaling resumes by itself
 *   (turnroom.js) and the call goes on meanwhile.
 *
 * Messages between the two pages (the `data` of turnroom's `message`):
 *   {type: 'offer'|'answer', sdp}, {type: 'candidate', candidate},
 *   {type: 'state', mic, camera, screen}, {type: 'bye'}.
 */
import { TurnRoom } from './turnroom.js';
import { sample, describe } from './quality.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const KINDS = ['audio', 'video'];
const DISCONNECTED_GRACE_MS = 700; // a blip may heal without a restart
const RESTART_RETRY_MS = 6000;      // restart again if still not connected
const ICE_NEAR_EXPIRY_MS = 120000;
const STALL_MS = 4000;              // negotiated, yet ICE has not even started

const room = new TurnRoom();
const counters = { pcs: 0, offersSent: 0, offersReceived: 0, answersSent: 0, collisions: 0,
	iceRestarts: 0, refreshes: 0, stalls: 0 };

let localStream = new MediaStream();
let cameraTrack = null;   // live camera track, null when off or absent
let micTrack = null;
let screenTrack = null;
let micMuted = false;
let cameraWanted = true;  // the user's choice; the camera may still be absent
let peerId = null;
let pc = null;
let senders = {};         // kind -> RTCRtpSender of this call
let remoteStream = null;
let peerState = { mic: true, camera: true, screen: false };
let makingOffer = false;
let ignoreOffer = false;
let settingRemoteAnswer = false;
let inbox = Promise.resolve(); // signaling handled one message at a time
let restartTimer = null;
let lastRestart = 0;
let statsTimer = null;
let lastStats = null;
let resumeAttempts = 0;

/* ---- screen text ---- */

function show(el, on) {
	el.hidden = !on;
}

// One message at a time, in the page (role=alert), with optional actions.
function notice(kind, text, actions = []) {
	const box = $('notice');
	box.dataset.kind = kind || '';
	$('noticeText').textContent = text || '';
	const act = $('noticeActions');
	act.replaceChildren();
	for (const [label, fn] of actions) {
		const b = document.createElement('button');
		b.type = 'button';
		b.textContent = label;
		b.onclick = fn;
		act.append(b);
	}
	show(box, !!text);
}

function clearNotice(kind) {
	if (!kind || $('notice').dataset.kind === kind)
		notice('', '');
}

function setStatus(text) {
	$('status').textContent = text;
}

function inRoom() {
	return !!room.roomId;
}

function render() {
	const here = inRoom();
	document.body.classList.toggle('incall', here);
	show($('lobby'), !here);
	show($('stage'), here);
	const connected = pc && pc.connectionState === 'connected';
	$('call').hidden = !!pc;
	$('call').disabled = !(here && peerId && !pc);
	$('mute').disabled = !micTrack;
	$('mute').setAttribute('aria-pressed', String(micMuted));
	$('mute').querySelector('span').textContent = micMuted ? 'Unmute' : 'Mute';
	$('camera').setAttribute('aria-pressed', String(!cameraWanted));
	$('camera').querySelector('span').textContent = cameraWanted ? 'Camera off' : 'Camera on';
	$('share').disabled = !pc || !navigator.mediaDevices.getDisplayMedia;
	$('share').setAttribute('aria-pressed', String(!!screenTrack));
	$('share').querySelector('span').textContent = screenTrack ? 'Stop sharing' : 'Share screen';
	const localVideo = screenTrack || cameraTrack;
	show($('localOff'), !localVideo);
	$('local').classList.toggle('mirror', !!cameraTrack && !screenTrack);
	const remoteVideo = connected && (peerState.camera || peerState.screen);
	show($('remoteOff'), !remoteVideo);
	$('remoteOffText').textContent = !peerId ? 'Waiting for the other side to join\u2026 ' +
		'Send them the invite link above.'
		: !pc ? 'The other side is here. Press Call to start.'
		: !connected ? (lastRestart ? 'Reconnecting\u2026' : 'Connecting\u2026') : 'Camera off';
	show($('remoteMuted'), connected && !peerState.mic);
	show($('quality'), !!pc);
	if (!pc)
		show($('qualityWarn'), false);
}

/* ---- local media ---- */

function mediaError(e) {
	return e && e.name === 'NotAllowedError' ? 'refused'
		: e && (e.name === 'NotFoundError' || e.name === 'OverconstrainedError') ? 'none'
		: 'other';
}

// Takes what exists: camera and microphone, else either one. Returns
// 'ok', 'partial' (one kind missing), 'none' or 'refused'.
async function getLocalMedia() {
	if (cameraTrack || micTrack)
		return 'ok';
	let err = null;
	cameraWanted = false;
	for (const c of [{ video: true, audio: true }, { audio: true }, { video: true }]) {
		try {
			const s = await navigator.mediaDevices.getUserMedia(c);
			cameraTrack = s.getVideoTracks()[0] || null;
			micTrack = s.getAudioTracks()[0] || null;
			cameraWanted = !!cameraTrack;
			syncLocalStream();
			refreshDevices();
			return c.video && c.audio ? 'ok' : 'partial';
		} catch (e) {
			err = e;
			if (mediaError(e) === 'refused')
				return 'refused';
		}
	}
	return mediaError(err) === 'other' ? 'none' : mediaError(err);
}

function syncLocalStream() {
	const want = [micTrack, screenTrack || cameraTrack].filter(Boolean);
	for (const t of localStream.getTracks())
		if (!want.includes(t))
			localStream.removeTrack(t);
	for (const t of want)
		if (!localStream.getTracks().includes(t))
			localStream.addTrack(t);
	if ($('local').srcObject !== localStream)
		$('local').srcObject = localStream;
	if (micTrack)
		micTrack.enabled = !micMuted;
	render();
}

function outgoing(kind) {
	return kind === 'audio' ? micTrack : screenTrack || cameraTrack;
}

async function sendTrack(kind) {
	if (senders[kind])
		await senders[kind].replaceTrack(outgoing(kind));
}

function sendState() {
	if (peerId && inRoom())
		room.send({ type: 'state', mic: !!micTrack && !micMuted, camera: !!cameraTrack,
			screen: !!screenTrack }, peerId);
}

function toggleMute() {
	if (!micTrack)
		return;
	micMuted = !micMuted;
	micTrack.enabled = !micMuted; // sends silence, no renegotiation
	sendState();
	render();
}

async function toggleCamera() {
	cameraWanted = !cameraWanted;
	if (!cameraWanted && cameraTrack) {
		cameraTrack.stop(); // the camera light goes off too
		cameraTrack = null;
	} else if (cameraWanted && !cameraTrack) {
		try {
			const id = $('camSelect').value;
			const s = await navigator.mediaDevices.getUserMedia(
				{ video: id ? { deviceId: { exact: id } } : true });
			cameraTrack = s.getVideoTracks()[0];
		} catch (e) {
			cameraWanted = false;
			notice('camera', mediaError(e) === 'refused' ? 'The camera was refused: allow it in the site settings.'
				: 'No camera could be opened (' + e.name + ').');
		}
	}
	syncLocalStream();
	if (!screenTrack)
		await sendTrack('video'); // null while off: the peer gets no frames
	sendState();
	render();
}

async function toggleShare() {
	if (screenTrack) {
		stopShare();
		return;
	}
	let s;
	try {
		s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
	} catch (e) {
		if (e.name !== 'NotAllowedError' && e.name !== 'AbortError')
			notice('share', 'Screen sharing failed: ' + e.message);
		return;
	}
	screenTrack = s.getVideoTracks()[0];
	screenTrack.onended = stopShare; // the browser's own "Stop sharing"
	syncLocalStream();
	await sendTrack('video');
	sendState();
}

async function stopShare() {
	if (!screenTrack)
		return;
	screenTrack.onended = null;
	screenTrack.stop();
	screenTrack = null;
	syncLocalStream();
	await sendTrack('video');
	sendState();
}

/* ---- device pickers ---- */

async function refreshDevices() {
	if (!navigator.mediaDevices.enumerateDevices)
		return;
	const devices = await navigator.mediaDevices.enumerateDevices();
	const fill = (sel, kind, current) => {
		const list = devices.filter((d) => d.kind === kind && d.deviceId);
		const keep = sel.value;
		sel.replaceChildren(...list.map((d, i) => {
			const o = document.createElement('option');
			o.value = d.deviceId;
			o.textContent = d.label || kind + ' ' + (i + 1);
			return o;
		}));
		sel.value = current || keep;
		sel.disabled = list.length === 0;
	};
	const idOf = (t) => t && t.getSettings().deviceId;
	fill($('camSelect'), 'videoinput', idOf(cameraTrack));
	fill($('micSelect'), 'audioinput', idOf(micTrack));
	const sink = 'setSinkId' in HTMLMediaElement.prototype;
	show($('spkField'), sink);
	if (sink)
		fill($('spkSelect'), 'audiooutput', $('remote').sinkId);
}

async function switchDevice(kind) {
	const id = $(kind === 'audio' ? 'micSelect' : 'camSelect').value;
	if (kind === 'video' && !cameraWanted)
		return; // used when the camera comes back on
	let track;
	try {
		const s = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: id } } });
		track = s.getTracks()[0];
	} catch (e) {
		notice('device', 'That device could not be opened (' + e.name + ').');
		return;
	}
	const old = kind === 'audio' ? micTrack : cameraTrack;
	if (old)
		old.stop();
	if (kind === 'audio')
		micTrack = track;
	else
		cameraTrack = track;
	syncLocalStream();
	await sendTrack(kind);
	sendState();
}

/* ---- the peer connection ---- */

function iceServersToUse(servers) {
	// ?ice=turns keeps only turns: URLs (TURN over TLS), for networks that
	// let nothing else out and for the test of that path.
	if (params.get('ice') !== 'turns')
		return servers;
	return servers.map((s) => ({ ...s, urls: [].concat(s.urls).filter((u) => u.startsWith('turns:')) }))
		.filter((s) => s.urls.length);
}

function polite() {
	return room.userId > peerId;
}

function signal(msg) {
	if (peerId && inRoom())
		room.send(msg, peerId);
}

// An operation on a peer connection closed meanwhile never settles (the
// spec "aborts these steps"); racing it against the close keeps the inbox
// and makingOffer from hanging on a call that has ended.
function guard(me, promise) {
	return Promise.race([promise, me.closed]);
}

function createPeerConnection() {
	pc = new RTCPeerConnection({
		iceServers: iceServersToUse(room.iceServers),
		iceTransportPolicy: $('relayonly').checked ? 'relay' : 'all',
	});
	counters.pcs++;
	senders = {};
	remoteStream = new MediaStream();
	$('remote').srcObject = remoteStream;
	const me = pc;
	me.closed = new Promise((resolve, reject) => { me.abort = reject; });
	me.closed.catch(() => {});
	pc.onicecandidate = (e) => {
		if (e.candidate && pc === me)
			signal({ type: 'candidate', candidate: e.candidate.toJSON() });
	};
	pc.ontrack = (e) => {
		remoteStream.addTrack(e.track);
		$('remote').play().catch(() => showPlayButton());
	};
	pc.onnegotiationneeded = () => negotiate(me);
	pc.onsignalingstatechange = () => me.signalingState === 'stable' && watchStall(me);
	pc.onconnectionstatechange = () => pc === me && connectionChanged();
	statsTimer = setInterval(showQuality, 1000);
	lastStats = null;
	render();
}

async function negotiate(me) {
	try {
		makingOffer = true;
		await guard(me, me.setLocalDescription());
		if (pc !== me || me.localDescription.type !== 'offer')
			return;
		counters.offersSent++;
		signal({ type: 'offer', sdp: me.localDescription.sdp });
	} catch (e) {
		console.error('negotiation', e);
	} finally {
		makingOffer = false;
	}
}

// Each kind gets one sendrecv transceiver, made by addTrack: a remote
// offer can match only those to its m-lines (JSEP 5.10), so after a glare
// rollback the polite side's own transceivers carry the offered m-lines
// and nothing is left over. With no track of a kind (no camera, camera
// off) a stand-in track is added and replaced by null at once.
function addSender(kind) {
	const track = outgoing(kind);
	if (track)
		return pc.addTrack(track, localStream);
	let standIn;
	if (kind === 'video') {
		const canvas = Object.assign(document.createElement('canvas'), { width: 2, height: 2 });
		canvas.getContext('2d');
		standIn = canvas.captureStream(0).getVideoTracks()[0];
	} else {
		const ctx = new AudioContext();
		standIn = ctx.createMediaStreamDestination().stream.getAudioTracks()[0];
		ctx.close();
	}
	const sender = pc.addTrack(standIn, localStream);
	sender.replaceTrack(null).finally(() => standIn.stop());
	return sender;
}

// After a remote offer on a new call, the offered m-lines are adopted.
function attachLocal() {
	const all = pc.getTransceivers();
	const ours = new Set(Object.values(senders));
	for (const kind of KINDS) {
		if (senders[kind])
			continue;
		const offered = all.find((t) => t.mid !== null && !t.stopped &&
			t.receiver.track.kind === kind && !ours.has(t.sender));
		if (offered) {
			offered.direction = 'sendrecv';
			offered.sender.replaceTrack(outgoing(kind));
			offered.sender.setStreams(localStream);
			senders[kind] = offered.sender;
		} else {
			senders[kind] = addSender(kind);
		}
	}
}

async function startCall() {
	if (pc || !peerId)
		return;
	createPeerConnection();
	attachLocal(); // negotiationneeded follows: the offer
	setStatus('Calling\u2026');
}

async function onDescription(msg) {
	const offer = msg.type === 'offer';
	if (offer && !pc)
		createPeerConnection();
	if (!pc)
		return;
	const me = pc;
	const ready = !makingOffer && (pc.signalingState === 'stable' || settingRemoteAnswer);
	const collision = offer && !ready;
	if (collision)
		counters.collisions++;
	ignoreOffer = !polite() && collision;
	if (ignoreOffer)
		return; // ours wins; the other side rolls back and answers it
	settingRemoteAnswer = msg.type === 'answer';
	try {
		await guard(me, me.setRemoteDescription({ type: msg.type, sdp: msg.sdp })); // rolls back on glare
	} finally {
		settingRemoteAnswer = false;
	}
	if (!offer)
		return;
	counters.offersReceived++;
	attachLocal();
	await guard(me, me.setLocalDescription());
	counters.answersSent++;
	signal({ type: 'answer', sdp: me.localDescription.sdp });
}

async function onSignal(from, msg) {
	if (!msg || typeof msg !== 'object' || (peerId && from !== peerId))
		return;
	if (!peerId)
		peerId = from;
	if (msg.type === 'offer' || msg.type === 'answer') {
		await onDescription(msg);
	} else if (msg.type === 'candidate' && pc) {
		try {
			await guard(pc, pc.addIceCandidate(msg.candidate));
		} catch (e) {
			if (!ignoreOffer)
				console.warn('candidate', e);
		}
	} else if (msg.type === 'state') {
		peerState = { mic: !!msg.mic, camera: !!msg.camera, screen: !!msg.screen };
		render();
	} else if (msg.type === 'bye') {
		peerLeft();
	}
}

function endCall() {
	clearInterval(statsTimer);
	clearTimeout(restartTimer);
	statsTimer = restartTimer = null;
	if (pc) {
		pc.close();
		pc.abort(new Error('call ended'));
	}
	pc = null;
	senders = {};
	makingOffer = ignoreOffer = settingRemoteAnswer = false;
	peerState = { mic: true, camera: true, screen: false };
	$('remote').srcObject = null;
	if (screenTrack)
		stopShare();
	render();
}

function peerLeft() {
	const wasInCall = !!pc;
	peerId = null;
	endCall();
	notice('peer-left', 'The other side left' + (wasInCall ? ' the call.' : '.') +
		' You can wait here for them to come back with the invite link.');
	setStatus('Waiting for the other side');
}

/* ---- resilience: ICE restart ---- */

function connectionChanged() {
	const s = pc.connectionState;
	if (s === 'connected') {
		clearTimeout(restartTimer);
		restartTimer = null;
		clearNotice('call-failed');
		setStatus('In call');
		sendState();
	} else if (s === 'disconnected' || s === 'failed') {
		setStatus('Reconnecting\u2026');
		scheduleRestart(s === 'failed' ? 0 : DISCONNECTED_GRACE_MS);
	} else if (s === 'connecting' || s === 'new') {
		setStatus(lastRestart ? 'Reconnecting\u2026' : 'Connecting\u2026');
	}
	render();
}

function scheduleRestart(delay) {
	if (restartTimer)
		return;
	const wait = Math.max(delay, lastRestart + RESTART_RETRY_MS / 2 - Date.now());
	restartTimer = setTimeout(async () => {
		restartTimer = null;
		if (!pc || pc.connectionState === 'connected')
			return;
		await restartIce();
		// Still not back: try again (the network may have changed again).
		scheduleRestart(RESTART_RETRY_MS);
	}, wait);
}

// Seen in Chromium 156 (about once in 60 glare rounds): after the polite
// side's rollback its ICE agent gathers nothing, both sides stay "new"
// with the negotiation done. An ICE restart starts a fresh gathering.
function watchStall(me) {
	setTimeout(() => {
		if (pc === me && me.signalingState === 'stable' && me.connectionState === 'new') {
			counters.stalls++;
			restartIce();
		}
	}, STALL_MS);
}

// Fresh TURN credentials first when the ones in hand are about to expire:
// an ICE restart allocates anew and needs valid ones.
async function restartIce() {
	if (!pc)
		return;
	if (room.iceExpiry && room.iceExpiry - Date.now() < ICE_NEAR_EXPIRY_MS && room.connected) {
		counters.refreshes++;
		await Promise.race([room.refreshIce(), new Promise((r) => setTimeout(r, 3000))]);
	}
	if (!pc)
		return;
	pc.setConfiguration({ ...pc.getConfiguration(), iceServers: iceServersToUse(room.iceServers) });
	lastRestart = Date.now();
	counters.iceRestarts++;
	pc.restartIce(); // negotiationneeded: an offer with new ICE credentials
}

/* ---- quality line (quality.js) ---- */

async function readStats() {
	return sample(await pc.getStats(), performance.now());
}

async function showQuality() {
	const me = pc;
	if (!me || me.connectionState !== 'connected')
		return;
	const s = await readStats().catch(() => null);
	if (!s || pc !== me)
		return;
	const q = describe(lastStats, s);
	lastStats = s;
	$('qualityText').textContent = q.text;
	$('quality').dataset.path = q.path;
	show($('qualityWarn'), q.warnTls);
}

/* ---- joining, leaving ---- */

function inviteLink(id) {
	return location.origin + '/?room=' + encodeURIComponent(id);
}

function setUrl(id) {
	const p = new URLSearchParams(location.search);
	if (id)
		p.set('room', id);
	else
		p.delete('room');
	history.replaceState(null, '', '?' + p.toString().replace(/=(&|$)/g, '$1'));
}

async function join(id, { withoutMedia = false } = {}) {
	id = id.trim();
	if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
		notice('bad-room', 'A room name is 1 to 64 letters, digits, dots, dashes or underscores.');
		return;
	}
	clearNotice();
	$('join').disabled = true;
	setStatus('Joining\u2026');
	try {
		if (withoutMedia) {
			cameraWanted = !!cameraTrack;
		} else {
			const got = await getLocalMedia();
			if (got === 'refused') {
				notice('camera-refused', 'Camera and microphone access was refused. Allow it for this ' +
					'site in the browser (the icon in the address bar) and try again, or join without them ' +
					'to see and hear the other side.',
					[['Try again', () => join(id)], ['Join without camera and mic', () => join(id, { withoutMedia: true })]]);
				return;
			}
			if (got === 'none')
				notice('no-devices', 'No camera or microphone was found: you join receive-only, ' +
					'and see and hear the other side.');
			else if (got === 'partial')
				notice('no-devices', cameraTrack ? 'No microphone was found: you join with video only.'
					: 'No camera was found: you join with audio only.');
		}
		await room.join(id);
	} catch (err) {
		if (err.code === 'full')
			notice('full', 'Room \u201c' + id + '\u201d is full: a call here is between two people. ' +
				'Ask for a new invite link, or start a room of your own.',
				[['New room', () => { $('room').value = randomRoom(); clearNotice(); }]]);
		else if (err.code === 'connect-failed' || err.code === 'closed')
			notice('unreachable', 'The server cannot be reached. Check your network connection and try again.',
				[['Try again', () => join(id)]]);
		else
			notice('join-failed', 'Could not join: ' + err.message);
		setStatus('');
		releaseMedia();
		return;
	} finally {
		$('join').disabled = false;
	}
	setUrl(id);
	$('inviteLink').value = inviteLink(id);
	$('roomName').textContent = id;
	render();
}

// Hang up ends the call and leaves the room; the other side gets our bye
// (and the server's), keeps the room and can wait for us to come back.
function hangup() {
	if (inRoom()) {
		signal({ type: 'bye' });
		room.leave();
	}
	peerId = null;
	endCall();
	releaseMedia();
	setUrl(null);
	notice('left', 'You left the call.', [['Rejoin', () => join($('room').value)]]);
	setStatus('');
	render();
}

// Camera and microphone off (their lights too) outside a room.
function releaseMedia() {
	for (const t of [cameraTrack, micTrack])
		if (t)
			t.stop();
	cameraTrack = micTrack = null;
	syncLocalStream();
}

function randomRoom() {
	const b = crypto.getRandomValues(new Uint8Array(6));
	return Array.from(b, (x) => 'abcdefghijkmnpqrstuvwxyz23456789'[x % 32]).join('');
}

function showPlayButton() {
	notice('autoplay', 'The browser held back the sound of the call.', [['Play sound', () => {
		$('remote').play().catch(() => {});
		clearNotice('autoplay');
	}]]);
}

/* ---- room events ---- */

room.addEventListener('joined', (e) => {
	resumeAttempts = 0;
	clearNotice('reconnecting');
	clearNotice('unreachable');
	if (e.detail.resumed) { // same userId, same slot: the call goes on
		setStatus(pc && pc.connectionState === 'connected' ? 'In call'
			: peerId ? 'The other side is here' : 'Waiting for the other side');
		if (pc && pc.connectionState !== 'connected')
			scheduleRestart(0);
		return;
	}
	// A fresh join while in a call (our resume window had passed): the
	// other side has seen our bye and ended the call.
	endCall();
	peerId = e.detail.peers && e.detail.peers[0] || null;
	setStatus(peerId ? 'The other side is here' : 'Waiting for the other side');
	render();
});
room.addEventListener('otherjoined', (e) => {
	peerId = e.detail.userId;
	clearNotice('peer-left');
	setStatus('The other side is here');
	render();
	sendState();
});
room.addEventListener('message', (e) => {
	const { from, data } = e.detail;
	inbox = inbox.then(() => onSignal(from, data)).catch((err) => console.error(err));
});
room.addEventListener('bye', (e) => {
	if (e.detail.userId === peerId)
		peerLeft();
});
room.addEventListener('iceServers', (e) => {
	if (pc)
		pc.setConfiguration({ ...pc.getConfiguration(), iceServers: iceServersToUse(e.detail.iceServers) });
});
room.addEventListener('error', (e) => {
	if (e.detail.code !== 'bad-resume')
		console.warn('server:', e.detail.code, e.detail.message);
});
room.addEventListener('reconnecting', (e) => {
	resumeAttempts = e.detail.attempt;
	setStatus('Reconnecting\u2026');
	if (resumeAttempts > 3)
		notice('unreachable', 'The server cannot be reached. ' + (pc && pc.connectionState === 'connected'
			? 'The call goes on meanwhile; reconnecting\u2026' : 'Reconnecting\u2026'));
	else
		notice('reconnecting', 'Connection to the server lost: reconnecting\u2026');
});

/* ---- controls ---- */

$('joinForm').onsubmit = (e) => {
	e.preventDefault();
	join($('room').value);
};
$('call').onclick = () => startCall().catch((e) => {
	console.error(e);
	endCall();
});
$('mute').onclick = toggleMute;
$('camera').onclick = () => toggleCamera();
$('share').onclick = () => toggleShare();
$('hangup').onclick = hangup;
$('devicesBtn').onclick = () => {
	const open = $('devices').hidden;
	show($('devices'), open);
	$('devicesBtn').setAttribute('aria-expanded', String(open));
	if (open)
		refreshDevices();
};
$('camSelect').onchange = () => switchDevice('video');
$('micSelect').onchange = () => switchDevice('audio');
$('spkSelect').onchange = () => $('remote').setSinkId($('spkSelect').value)
	.catch((e) => notice('device', 'That speaker could not be used (' + e.name + ').'));
$('copy').onclick = async () => {
	const link = $('inviteLink').value;
	try {
		await navigator.clipboard.writeText(link);
	} catch {
		$('inviteLink').select(); // no clipboard access: leave it selected
		document.execCommand && document.execCommand('copy');
	}
	$('copy').textContent = 'Copied';
	setTimeout(() => { $('copy').textContent = 'Copy link'; }, 2000);
};
if (navigator.mediaDevices)
	navigator.mediaDevices.addEventListener('devicechange', () => refreshDevices());

// m, v, s, h: mute, video, share, hang up (not while typing in a field).
const SHORTCUTS = { m: 'mute', v: 'camera', s: 'share', h: 'hangup' };
document.addEventListener('keydown', (e) => {
	if (e.ctrlKey || e.metaKey || e.altKey || !inRoom() || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName))
		return;
	const id = SHORTCUTS[e.key.toLowerCase()];
	if (id && !$(id).disabled) {
		e.preventDefault();
		$(id).click();
	}
});

/* ---- the call's state, read-only to whoever imports this module (live
 * bindings; the browser tests read them this way) ---- */

export { room, pc, senders, counters };

/* ---- start ---- */

$('room').value = params.get('room') || randomRoom();
$('relayonly').checked = params.get('relay') === 'only'; // ?relay=only presets the switch
if (!navigator.mediaDevices || !window.RTCPeerConnection)
	notice('unsupported', 'This browser cannot make WebRTC calls (or the page is not served over HTTPS).');
else if (params.get('room'))
	join(params.get('room')); // an invite link joins at once
render();
