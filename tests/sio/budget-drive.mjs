// Driven by tests/interop/test_sio_budget.sh (not a node --test file): the
// Socket.IO endpoint against signaling-max-queued (issue 17). SIO_URL names
// the server, METRICS_TOKEN its metrics-token, SERVER_PID its process,
// BUDGET its signaling-max-queued, SANITIZED=1 for an ASan build (no RSS
// bound then).
//   1. 200 POSTs to an unknown sid, each sending 990 KB of a 1 MB body:
//      refused from their heads, the server's peak memory barely moves.
//   2. A POST body in flight counts in turnroom_signaling_queued_bytes;
//      one from a foreign Origin is refused before its body.
//   3. Receivers that never poll, each in a room with a WebSocket sender:
//      their polling queues count in the budget and the largest are shed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { handshake, post, rawHttp, wsConnect, sleep } from './rawlib.mjs';

const url = process.env.SIO_URL;
const budget = Number(process.env.BUDGET);
const u = new URL(url);
const PHASES = process.env.PHASES || '123'; // to run some alone

async function metric(name) {
	const r = await fetch(`${url}/metrics`,
		{ headers: { Authorization: `Bearer ${process.env.METRICS_TOKEN}` } });
	const line = (await r.text()).split('\n').find((l) => l.startsWith(name + ' '));
	return line === undefined ? undefined : Number(line.split(' ').pop());
}

// Polls a metric until pred holds (at most ms); its last value.
async function until(name, pred, ms = 15000) {
	const end = Date.now() + ms;
	let v;
	while (Date.now() < end) {
		v = await metric(name);
		if (pred(v))
			break;
		await sleep(50);
	}
	return v;
}

function peakKb() {
	const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${process.env.SERVER_PID}/status`, 'utf8'));
	return Number(m[1]);
}

const postHead = (query, extra = '') => `POST /socket.io/?${query} HTTP/1.1\r\nHost: ${u.host}\r\n` +
	`Content-Type: text/plain;charset=UTF-8\r\n${extra}`;

// One POST that sends `sent` bytes of a `declared`-byte body and waits for
// an answer or the end of the connection: its status (0 when none).
function bodyPost(query, declared, sent) {
	return new Promise((resolve) => {
		const s = net.connect(Number(u.port), u.hostname);
		let got = '';
		const end = () => {
			s.destroy();
			const m = /^HTTP\/1\.1 (\d+)/.exec(got);
			resolve(m ? Number(m[1]) : 0);
		};
		s.setTimeout(15000, end);
		s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n\r\n')) end(); });
		s.on('error', end);
		s.on('close', end);
		s.on('connect', () => {
			s.write(postHead(query, `Content-Length: ${declared}\r\n\r\n`));
			s.write(Buffer.alloc(sent, 0x36));
		});
	});
}

// 1. Refused from the head.
if (PHASES.includes('1')) {
	const before = peakKb();
	const statuses = await Promise.all(Array.from({ length: 200 },
		() => bodyPost('EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA', 1000000, 990000)));
	const grown = peakKb() - before;
	console.log(`1. 200 POSTs to an unknown sid answered ${[...new Set(statuses)]}; peak memory +${grown} kB`);
	assert.ok(statuses.every((s) => s === 400), 'every POST refused with 400');
	if (process.env.SANITIZED !== '1') // ASan's quarantine keeps what was freed
		assert.ok(grown < 40000, `peak memory grew by ${grown} kB for 200 refused POSTs`);
}

// 2. A body in flight is in the budget; a foreign Origin is refused first.
if (PHASES.includes('2')) {
	const { sid } = await handshake(url);
	const q = `EIO=4&transport=polling&sid=${sid}`;
	const s = net.connect(Number(u.port), u.hostname);
	await new Promise((r) => s.once('connect', r));
	let answer = '';
	s.on('data', (d) => { answer += d.toString(); });
	const body = '40\x1e6' + 'x'.repeat(899996); // a noop carries the bulk
	s.write(postHead(q, `Content-Length: ${body.length}\r\n\r\n`) + body.slice(0, 600000));
	const inflight = await until('turnroom_signaling_queued_bytes', (v) => v >= 600000);
	assert.ok(inflight >= 600000, `queued bytes with a 600 KB body in flight: ${inflight}`);
	s.write(body.slice(600000));
	for (let i = 0; i < 100 && !answer.includes('\r\n\r\nok'); i++)
		await sleep(50);
	assert.match(answer, /^HTTP\/1\.1 200 [^]*\r\n\r\nok/);
	s.destroy();
	const after = await until('turnroom_signaling_queued_bytes', (v) => v < 100000);
	assert.ok(after < 100000, `queued bytes once the body was read: ${after}`);
	// A WebSocket message still arriving is held input too.
	const ws = net.connect(Number(u.port), u.hostname);
	await new Promise((r) => ws.once('connect', r));
	ws.on('error', () => {});
	ws.write(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${u.host}\r\n` +
		'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
		'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
	const frameHead = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x0d, 0xbb, 0xa0, 0, 0, 0, 0]); // 900000, zero mask
	ws.write(Buffer.concat([frameHead, Buffer.alloc(600000, 0x36)]));
	const partial = await until('turnroom_signaling_queued_bytes', (v) => v >= 600000);
	assert.ok(partial >= 600000, `queued bytes with 600 KB of a WebSocket frame in: ${partial}`);
	ws.destroy();
	await until('turnroom_signaling_queued_bytes', (v) => v < 100000);
	const evil = await rawHttp(url, [postHead(q, 'Origin: http://evil.test\r\nContent-Length: 500000\r\n\r\n')]);
	assert.equal(evil.status, 403, evil.head || 'no answer before the body');
	assert.equal(evil.body, '{"code":4,"message":"Forbidden"}');
	console.log(`2. a 600 KB body in flight counted (${inflight} bytes queued), then released (${after}); ` +
		`600 KB of a WebSocket frame counted (${partial}); a foreign Origin refused from the head`);
}

// 2b. Bodies in flight past the budget: the largest goes first.
if (PHASES.includes('2')) {
	const shed0 = await metric('turnroom_websocket_closed_total{reason="queued_budget"}');
	const posts = [];
	for (const size of [700000, 900000, 800000]) {
		const { sid } = await handshake(url);
		const c = net.connect(Number(u.port), u.hostname);
		const p = { c, size, closed: false };
		c.on('error', () => {});
		c.on('close', () => { p.closed = true; });
		await new Promise((r) => c.once('connect', r));
		c.write(postHead(`EIO=4&transport=polling&sid=${sid}`, 'Content-Length: 990000\r\n\r\n') +
			'6'.repeat(size));
		posts.push(p);
		await until('turnroom_signaling_queued_bytes', (v) => v >= size);
	}
	for (let i = 0; i < 100 && !posts.some((p) => p.closed); i++)
		await sleep(50);
	const shed = await metric('turnroom_websocket_closed_total{reason="queued_budget"}') - shed0;
	const queued = await metric('turnroom_signaling_queued_bytes');
	console.log(`2b. bodies of ${posts.map((p) => p.size)} bytes in flight: ${shed} shed ` +
		`(closed: ${posts.filter((p) => p.closed).map((p) => p.size)}), ${queued} bytes queued`);
	assert.equal(shed, 1);
	assert.deepEqual(posts.filter((p) => p.closed).map((p) => p.size), [900000], 'the largest body shed');
	assert.ok(queued <= budget, `${queued} bytes queued over a ${budget}-byte budget`);
	for (const p of posts)
		p.c.destroy();
	await until('turnroom_signaling_queued_bytes', (v) => v < 100000);
}

// 3. Polling queues against the budget.
if (PHASES.includes('3')) {
	const PAIRS = 10, MSGS = 15, SIZE = 60000;
	const senders = [];
	for (let i = 0; i < PAIRS; i++) {
		const roomId = `budget-${process.pid}-${i}`;
		const { sid } = await handshake(url);
		assert.equal((await post(url, sid, '40')).status, 200);
		assert.equal((await post(url, sid, `42["join",{"roomId":"${roomId}"}]`)).status, 200);
		const w = await wsConnect(url);
		w.send(`42["join",{"roomId":"${roomId}"}]`);
		for (;;) {
			const ev = await w.nextEvent();
			if (ev[0] === 'joined')
				break;
		}
		senders.push({ w, roomId });
	}
	const events0 = await metric('turnroom_socketio_events_total');
	const shed0 = await metric('turnroom_websocket_closed_total{reason="queued_budget"}');
	const data = 'x'.repeat(SIZE);
	let most = 0;
	for (let m = 0; m < MSGS; m++) {
		for (const { w, roomId } of senders)
			w.send(`42["message",{"roomId":"${roomId}","data":"${data}"}]`);
		await sleep(20);
		most = Math.max(most, await metric('turnroom_signaling_queued_bytes'));
	}
	await until('turnroom_socketio_events_total', (v) => v >= events0 + PAIRS * MSGS);
	most = Math.max(most, await metric('turnroom_signaling_queued_bytes'));
	const queued = await metric('turnroom_signaling_queued_bytes');
	const shed = await metric('turnroom_websocket_closed_total{reason="queued_budget"}') - shed0;
	const shedEio = await metric('turnroom_engineio_sessions_closed_total{reason="queued budget"}');
	const full = await metric('turnroom_engineio_sessions_closed_total{reason="queue full"}');
	console.log(`3. ${PAIRS * MSGS * SIZE} bytes aimed at ${PAIRS} receivers that never poll: ` +
		`${shed} shed (${shedEio} Engine.IO sessions), queued at most ${most}, at the end ${queued}`);
	assert.ok(most >= budget / 2, `the polling queues were not seen: at most ${most} bytes queued`);
	assert.ok(shed >= 5, `only ${shed} shed`);
	assert.equal(shedEio, shed, 'the sessions shed are the polling receivers');
	assert.equal(full, 0, 'socketio-max-queued acted, not the budget');
	assert.ok(queued <= budget, `${queued} bytes queued over a ${budget}-byte budget`);
	for (const { w } of senders)
		w.close();
}
console.log('driven');
process.exit(0);
