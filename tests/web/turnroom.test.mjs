// Unit tests of web/turnroom.js (node --test tests/web/): a fake WebSocket
// takes scripted frames in and records the frames sent, so the protocol
// logic runs without a server or browser: joining, the sender's `from` on
// relayed messages, errors, resume after a dropped connection, and TURN
// credential refresh.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { TurnRoom } from '../../web/turnroom.js';

class FakeWebSocket {
	static CONNECTING = 0;
	static OPEN = 1;
	static CLOSING = 2;
	static CLOSED = 3;
	static all = [];

	constructor(url) {
		this.url = url;
		this.readyState = FakeWebSocket.CONNECTING;
		this.sent = [];
		FakeWebSocket.all.push(this);
	}

	send(text) {
		assert.equal(this.readyState, FakeWebSocket.OPEN, 'send on a socket that is not open');
		this.sent.push(JSON.parse(text));
	}

	close(code = 1000) {
		this.readyState = FakeWebSocket.CLOSED;
		this.onclose && this.onclose({ code, reason: '' });
	}

	// ---- the test's side
	open() {
		this.readyState = FakeWebSocket.OPEN;
		this.onopen && this.onopen();
	}

	frame(obj) {
		this.onmessage({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
	}

	drop(code = 1006) { // the network goes away
		this.readyState = FakeWebSocket.CLOSED;
		this.onclose({ code, reason: '' });
	}

	last() {
		return this.sent[this.sent.length - 1];
	}
}
globalThis.WebSocket = FakeWebSocket;

const URL = 'ws://turnroom.test/ws';
const ICE = [{ urls: ['turn:turnroom.test:3478?transport=udp'], username: '99:u1', credential: 'c1' }];
const tick = () => new Promise((r) => setImmediate(r));
const ws = () => FakeWebSocket.all[FakeWebSocket.all.length - 1];

function events(room, ...names) {
	const got = [];
	for (const n of names)
		room.addEventListener(n, (e) => got.push([n, e.detail]));
	return got;
}

// Joins room r1 as u1 with peer u2; returns the room.
async function joined(extra = {}) {
	const room = new TurnRoom(URL);
	const p = room.join('r1');
	ws().open();
	await tick();
	assert.deepEqual(ws().last(), { event: 'join', data: { roomId: 'r1' } });
	ws().frame({ event: 'joined', data: { roomId: 'r1', userId: 'u1', userNum: 2, capacity: 2,
		peers: ['u2'], iceServers: ICE, iceTtl: 600, resumeToken: 'tok1', resumed: false, ...extra } });
	await p;
	return room;
}

beforeEach(() => {
	FakeWebSocket.all = [];
});

test('join sends join and resolves with the joined data', async () => {
	const before = Date.now();
	const room = await joined();
	assert.equal(ws().url, URL);
	assert.equal(room.roomId, 'r1');
	assert.equal(room.userId, 'u1');
	assert.deepEqual(room.peers, ['u2']);
	assert.deepEqual(room.iceServers, ICE);
	assert.equal(room.resumeToken, 'tok1');
	assert.ok(room.iceExpiry >= before + 600000 && room.iceExpiry <= Date.now() + 600000);
});

test('join carries username/password or token when given', async () => {
	const room = new TurnRoom(URL);
	room.join('r1', { token: 'jwt' });
	ws().open();
	await tick();
	assert.deepEqual(ws().last(), { event: 'join', data: { roomId: 'r1', token: 'jwt' } });
});

test('a relayed message keeps the sender in from and its data untouched', async () => {
	const room = await joined();
	const got = events(room, 'message');
	ws().frame({ event: 'message', from: 'u2', data: { type: 'offer', sdp: 'v=0' } });
	ws().frame({ event: 'message', from: 'u2', data: 'plain text' });
	ws().frame({ event: 'message', from: 'u2', data: null });
	ws().frame({ event: 'message', from: 'u2', data: [1, 2] });
	assert.deepEqual(got.map(([, d]) => d), [
		{ roomId: 'r1', from: 'u2', data: { type: 'offer', sdp: 'v=0' } },
		{ roomId: 'r1', from: 'u2', data: 'plain text' },
		{ roomId: 'r1', from: 'u2', data: null },
		{ roomId: 'r1', from: 'u2', data: [1, 2] },
	]);
});

test('send relays to all or to one userId', async () => {
	const room = await joined();
	room.send({ a: 1 });
	assert.deepEqual(ws().last(), { event: 'message', data: { roomId: 'r1', data: { a: 1 } } });
	room.send('x', 'u2');
	assert.deepEqual(ws().last(), { event: 'message', data: { roomId: 'r1', data: 'x', to: 'u2' } });
	room.leave();
	assert.deepEqual(ws().last(), { event: 'leave', data: { roomId: 'r1' } });
	assert.throws(() => room.send('y'), (e) => e.code === 'not-in-room');
});

test('peers follow otherjoined and bye', async () => {
	const room = await joined({ peers: [] });
	ws().frame({ event: 'otherjoined', data: { roomId: 'r1', userId: 'u3' } });
	assert.deepEqual(room.peers, ['u3']);
	ws().frame({ event: 'bye', data: { roomId: 'r1', userId: 'u3' } });
	assert.deepEqual(room.peers, []);
});

test('a full room rejects join with code full', async () => {
	const room = new TurnRoom(URL);
	const p = room.join('r1');
	ws().open();
	await tick();
	ws().frame({ event: 'full', data: { roomId: 'r1', userNum: 2 } });
	await assert.rejects(p, (e) => e.code === 'full');
	assert.equal(room.roomId, null);
});

test('a server error rejects join with its code and fires error', async () => {
	const room = new TurnRoom(URL);
	const got = events(room, 'error');
	const p = room.join('r1');
	ws().open();
	await tick();
	ws().frame({ event: 'error', data: { code: 'unauthorized', message: 'no' } });
	await assert.rejects(p, (e) => e.code === 'unauthorized' && e.message === 'no');
	assert.deepEqual(got, [['error', { code: 'unauthorized', message: 'no' }]]);
});

test('an unreachable server rejects join with connect-failed', async () => {
	const room = new TurnRoom(URL);
	const p = room.join('r1');
	ws().drop();
	await assert.rejects(p, (e) => e.code === 'connect-failed');
});

test('frames that are not JSON objects with an event are ignored', async () => {
	const room = await joined();
	const got = events(room, 'message', 'error');
	ws().frame('not json');
	ws().frame('[1,2]');
	ws().frame({ data: {} });
	ws().frame('null');
	assert.deepEqual(got, []);
	assert.equal(room.roomId, 'r1');
});

test('checkRoom resolves full or not', async () => {
	const room = new TurnRoom(URL);
	const p1 = room.checkRoom('r1');
	ws().open();
	await tick();
	assert.deepEqual(ws().last(), { event: 'checkRoom', data: { roomId: 'r1' } });
	ws().frame({ event: 'checkRoomSuccess', data: { roomId: 'r1', userNum: 1, capacity: 2 } });
	assert.equal((await p1).full, false);
	const p2 = room.checkRoom('r2');
	await tick();
	ws().frame({ event: 'full', data: { roomId: 'r2', userNum: 2 } });
	assert.equal((await p2).full, true);
});

test('resume: a dropped connection comes back with the resumeToken, queued messages follow', async (t) => {
	t.mock.timers.enable({ apis: ['setTimeout'] });
	const room = await joined();
	const got = events(room, 'close', 'reconnecting', 'joined');
	const first = ws();
	first.drop();
	assert.deepEqual(got[0], ['close', { code: 1006, reason: '', resuming: true }]);
	assert.equal(got[1][0], 'reconnecting');
	assert.equal(got[1][1].attempt, 1);
	room.send({ queued: 1 }, 'u2'); // while down: kept for later
	t.mock.timers.tick(1000);      // first backoff is 375-625 ms
	const second = ws();
	assert.notEqual(second, first);
	second.open();
	await tick();
	assert.deepEqual(second.sent, [{ event: 'join', data: { roomId: 'r1', resumeToken: 'tok1' } }]);
	second.frame({ event: 'joined', data: { roomId: 'r1', userId: 'u1', peers: ['u2'], iceServers: ICE,
		iceTtl: 600, resumeToken: 'tok2', resumed: true } });
	assert.deepEqual(second.last(), { event: 'message', data: { roomId: 'r1', data: { queued: 1 }, to: 'u2' } });
	assert.equal(room.userId, 'u1');
	assert.equal(room.resumeToken, 'tok2');
	assert.equal(got[2][1].resumed, true);
	room.send('live');
	assert.deepEqual(second.last(), { event: 'message', data: { roomId: 'r1', data: 'live' } });
});

test('resume: backoff grows while the server stays away', async (t) => {
	t.mock.timers.enable({ apis: ['setTimeout'] });
	const room = await joined();
	const got = events(room, 'reconnecting');
	ws().drop();
	for (let i = 0; i < 3; i++) {
		t.mock.timers.tick(20000);
		ws().drop(); // the reconnect attempt fails
		await tick();
	}
	assert.deepEqual(got.map(([, d]) => d.attempt), [1, 2, 3, 4]);
	for (const [, d] of got)
		assert.ok(d.delay > 0 && d.delay <= 10000 * 1.25);
	assert.ok(got[3][1].delay > got[0][1].delay);
	assert.equal(room.roomId, 'r1'); // still trying
});

test('resume: past the window (bad-resume) it joins afresh', async (t) => {
	t.mock.timers.enable({ apis: ['setTimeout'] });
	const room = await joined();
	const got = events(room, 'joined');
	ws().drop();
	t.mock.timers.tick(1000);
	ws().open();
	await tick();
	ws().frame({ event: 'error', data: { code: 'bad-resume', message: 'gone' } });
	assert.deepEqual(ws().last(), { event: 'join', data: { roomId: 'r1' } });
	ws().frame({ event: 'joined', data: { roomId: 'r1', userId: 'u9', peers: [], iceServers: ICE,
		iceTtl: 600, resumeToken: 'tok9', resumed: false } });
	assert.equal(room.userId, 'u9');
	assert.deepEqual(got.map(([, d]) => d.resumed), [false]);
});

test('no resume after leave', async (t) => {
	t.mock.timers.enable({ apis: ['setTimeout'] });
	const room = await joined();
	const got = events(room, 'close', 'reconnecting');
	room.leave();
	ws().drop();
	t.mock.timers.tick(20000);
	assert.equal(FakeWebSocket.all.length, 1);
	assert.deepEqual(got, [['close', { code: 1006, reason: '', resuming: false }]]);
});

test('refreshIce asks for fresh credentials and resolves with them', async () => {
	const room = await joined();
	const fresh = [{ urls: ['turn:turnroom.test:3478'], username: '199:u1', credential: 'c2' }];
	const got = events(room, 'iceServers');
	const p = room.refreshIce();
	assert.deepEqual(ws().last(), { event: 'refreshIce', data: {} });
	ws().frame({ event: 'iceServers', data: { iceServers: fresh, ttl: 60 } });
	assert.deepEqual(await p, { iceServers: fresh, ttl: 60 });
	assert.deepEqual(room.iceServers, fresh);
	assert.ok(room.iceExpiry > Date.now() + 59000 && room.iceExpiry <= Date.now() + 60000);
	assert.equal(got.length, 1);
});

test('an iceServers push (3/4 of the ttl) updates the credentials unasked', async () => {
	const room = await joined();
	const fresh = [{ urls: ['stun:turnroom.test:3478'] }];
	ws().frame({ event: 'iceServers', data: { iceServers: fresh, ttl: 600 } });
	assert.deepEqual(room.iceServers, fresh);
	ws().frame({ event: 'iceServers', data: { iceServers: 'bogus', ttl: 600 } });
	assert.deepEqual(room.iceServers, fresh, 'a malformed list replaced the good one');
});

test('refreshIce rejects while disconnected and when the connection drops first', async (t) => {
	t.mock.timers.enable({ apis: ['setTimeout'] });
	const room = await joined();
	const p = room.refreshIce();
	ws().drop();
	await assert.rejects(p, (e) => e.code === 'closed');
	await assert.rejects(room.refreshIce(), (e) => e.code === 'not-connected');
});
