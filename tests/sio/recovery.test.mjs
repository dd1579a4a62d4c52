// Connection state recovery (issue 18), with the pinned socket.io-client:
// a socket lost without a goodbye (its connections dropped, its pings
// unanswered, its long poll closed) is held for the window; a client that
// reconnects within it gets its id back, `recovered`, and every event it
// missed, in order, once, each with its offset as last argument; the other
// member sees no bye meanwhile, and gets it when the window passes. A
// goodbye (41) is a bye at once; a forged pid gets a fresh session.
//
// SIO_RECOVERY_URL: a server with a 3 s window and 500 ms pings (turnroom:
// resume-window=3; the reference: socket.io's connectionStateRecovery with
// the same room semantics, ref-server.mjs --recovery=3000).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { need, TURNROOM, URL_DEFAULT, room, connect, Client, none, closeAll, sleep,
	blipProxy } from './lib.mjs';
import { handshake, request, post, wsConnect } from './rawlib.mjs';

const URL_REC = need('SIO_RECOVERY_URL');
// turnroom with signaling-max-queued=65536 and a 30 s window (socket.io has
// no byte budget: no oracle for this one).
const URL_BUDGET = TURNROOM ? need('SIO_RECOVERY_BUDGET_URL') : null;
const WINDOW_MS = 3000;
// Longer than a ping interval and timeout (500 + 500 ms): the server has
// noticed a loss by then, however it was lost.
const NOTICED_MS = 1300;

// socket.io-client passes the offset to listeners as the last argument.
function offsetOf(args) {
	const off = args[args.length - 1];
	assert.equal(typeof off, 'string', `an offset ends ${JSON.stringify(args)}`);
	return off;
}
const bare = (args) => (offsetOf(args), args.slice(0, -1));

async function pair(mode, px, R) {
	const a = await connect(px.url, mode);
	const b = await connect(URL_REC, mode);
	a.emit('join', { roomId: R });
	assert.deepEqual(bare(await a.next('joined'))[0].userNum, 1);
	b.emit('join', { roomId: R });
	await b.next('joined');
	assert.deepEqual(bare(await a.next('otherjoined')), [{ roomId: R, userId: b.id }]);
	return { a, b };
}

const send = (b, R, data) => b.socket.timeout(5000).emitWithAck('message', { roomId: R, data });

// A lost client comes back: connect() sends {pid, offset} in its CONNECT.
async function comeBack(c) {
	c.socket.connect();
	await c.next('connect');
}

for (const mode of ['websocket', 'polling']) {
	describe(`recovery over ${mode}`, { timeout: 30000 }, () => {
		test('a blip: same id, recovered, every missed event once, in order, no bye',
			async () => {
				const R = room('rec');
				const px = await blipProxy(URL_REC);
				let a, b;
				try {
					({ a, b } = await pair(mode, px, R));
					const id = a.id;
					if (mode === 'websocket') {
						// Lost in flight: the server sends, the
						// network drops it.
						px.freeze();
						await send(b, R, 'm1');
						await send(b, R, { n: 2 });
					} else {
						// Over polling the blip must find the long
						// poll pending: a poll answered into a dead
						// network leaves none, and socket.io-client,
						// once it notices, posts a close packet, a
						// goodbye, when the network is back.
						await sleep(100);
					}
					px.blip();
					await a.next('disconnect');
					await sleep(NOTICED_MS);
					// While away: messages and a binary relayed event.
					if (mode === 'polling') {
						await send(b, R, 'm1');
						await send(b, R, { n: 2 });
					}
					await send(b, R, 'm3');
					b.emit('blob', Buffer.from([1, 2, 3]), 'x');
					await sleep(200);
					await comeBack(a);
					assert.equal(a.id, id, 'the same socket id');
					assert.equal(a.socket.recovered, true, 'socket.recovered');
					const got = a.seen('message').map((e) => bare(e.slice(1)));
					assert.deepEqual(got, [['m1'], [{ n: 2 }], ['m3']]);
					const blob = bare((await a.next('blob')).slice(0));
					assert.deepEqual([[...blob[0]], blob[1]], [[1, 2, 3], 'x']);
					// Offsets only grow; each event came once.
					const offs = a.log.filter((e) => e[0] === 'message' || e[0] === 'blob')
						.map((e) => offsetOf(e.slice(1)));
					assert.equal(new Set(offs).size, offs.length, 'no event twice');
					await none(b, 'bye', 0);
					// The room goes on both ways.
					await send(b, R, 'after');
					assert.deepEqual(bare(await a.next('message', 3000)).length, 1);
					a.emit('message', { roomId: R, data: 'back' });
					assert.deepEqual(bare(await b.next('message')), ['back']);
					await none(b, 'bye', 300);
				} finally {
					closeAll(a, b);
					px.close();
				}
			});
	});
}

describe('recovery across an upgrade', { timeout: 30000 }, () => {
	test('a drop while the WebSocket upgrade is under way', async () => {
		const R = room('rec-up');
		const px = await blipProxy(URL_REC);
		let a, b;
		try {
			// A's upgrade waits while A joins over polling; the network
			// drops as the server accepts it.
			px.holdUpgrades();
			a = new Client(px.url, 'default');
			await a.connected();
			a.emit('join', { roomId: R });
			await a.next('joined');
			b = await connect(URL_REC, 'websocket');
			b.emit('join', { roomId: R });
			await b.next('joined');
			await a.next('otherjoined');
			const id = a.id;
			assert.equal(a.socket.io.engine.transport.name, 'polling');
			await sleep(100); // the long poll is pending
			await px.blipOnUpgrade();
			await a.next('disconnect');
			await sleep(NOTICED_MS);
			await send(b, R, 'while-away');
			await comeBack(a);
			assert.equal(a.id, id);
			assert.equal(a.socket.recovered, true);
			assert.deepEqual(bare(await a.next('message')), ['while-away']);
			await none(b, 'bye', 0);
			// This time the upgrade goes through.
			await new Promise((resolve) => {
				if (a.socket.io.engine.transport.name === 'websocket')
					resolve();
				a.socket.io.engine.once('upgrade', resolve);
			});
			await send(b, R, 'on-ws');
			assert.deepEqual(bare(await a.next('message')), ['on-ws']);
		} finally {
			closeAll(a, b);
			px.close();
		}
	});
});

describe('recovery refused', { timeout: 30000 }, () => {
	test('after the window: the other got bye, the client a fresh session', async () => {
		const R = room('rec-late');
		const px = await blipProxy(URL_REC);
		let a, b;
		try {
			({ a, b } = await pair('websocket', px, R));
			const id = a.id;
			const t0 = Date.now();
			px.blip();
			await a.next('disconnect');
			assert.deepEqual(bare(await b.next('bye', WINDOW_MS + 4000)), [{ roomId: R, userId: id }]);
			assert.ok(Date.now() - t0 >= WINDOW_MS - 200, `bye after the window (${Date.now() - t0} ms)`);
			await comeBack(a);
			assert.equal(a.socket.recovered, false);
			assert.notEqual(a.id, id);
		} finally {
			closeAll(a, b);
			px.close();
		}
	});

	test('a clean disconnect (41): bye at once, nothing to recover', async () => {
		const R = room('rec-clean');
		const px = await blipProxy(URL_REC);
		let a, b;
		try {
			({ a, b } = await pair('websocket', px, R));
			const id = a.id;
			a.socket.disconnect();
			assert.deepEqual(bare(await b.next('bye', 1000)), [{ roomId: R, userId: id }]);
			await send(b, R, 'gone');
			await comeBack(a);
			assert.equal(a.socket.recovered, false);
			assert.notEqual(a.id, id);
			await none(a, 'message', 300);
		} finally {
			closeAll(a, b);
			px.close();
		}
	});

	test('a forged pid: a fresh session and nothing of another\'s', async () => {
		const R = room('rec-forged');
		const px = await blipProxy(URL_REC);
		let a, b, c;
		try {
			({ a, b } = await pair('websocket', px, R));
			const id = a.id;
			const off = offsetOf(a.seen('otherjoined')[0].slice(1));
			px.blip();
			await a.next('disconnect');
			await sleep(NOTICED_MS);
			await send(b, R, 'for-a');
			// Another client with a made-up pid and a's offset.
			c = new Client(URL_REC, 'websocket', { autoConnect: false });
			c.socket._pid = crypto.randomBytes(15).toString('base64url');
			c.socket._lastOffset = off;
			c.socket.connect();
			await c.connected();
			assert.equal(c.socket.recovered, false);
			assert.notEqual(c.id, id);
			await none(c, 'message', 300);
			// a itself still recovers.
			await comeBack(a);
			assert.equal(a.socket.recovered, true);
			assert.equal(a.id, id);
			assert.deepEqual(bare(await a.next('message')), ['for-a']);
		} finally {
			closeAll(a, b, c);
			px.close();
		}
	});
});

describe('recovery on the wire', { timeout: 30000 }, () => {
	test('CONNECT reply {sid, pid}; events end with an offset, acks do not', async () => {
		const w = await wsConnect(URL_REC, { connect: false });
		try {
			w.send('40');
			const r = JSON.parse(/^40(\{.*\})$/.exec(await w.next())[1]);
			assert.deepEqual(Object.keys(r).sort(), ['pid', 'sid']);
			assert.match(r.pid, /^[A-Za-z0-9_-]{20}$/);
			assert.notEqual(r.pid, r.sid);
			const R = room('rec-wire');
			w.send(`421["join",{"roomId":"${R}"}]`);
			const frames = [await w.next(), await w.next()];
			const ev = frames.find((f) => f.startsWith('42['));
			const ack = frames.find((f) => f.startsWith('431['));
			assert.ok(ev && ack, `an event and an ack: ${frames}`);
			const args = JSON.parse(ev.slice(2));
			assert.equal(args[0], 'joined');
			assert.equal(typeof args[args.length - 1], 'string', 'the offset');
			const ackArgs = JSON.parse(ack.slice(3));
			assert.ok(ackArgs.every((x) => typeof x !== 'string'), `no offset in an ack: ${ack}`);
		} finally {
			w.close();
		}
	});

	test('a long poll whose connection closes ends its session at once', async () => {
		// Default timers: a ping timeout would take 45 s.
		const { sid } = await handshake(URL_DEFAULT);
		// The GET is held (nothing to send), then its connection drops.
		await request(URL_DEFAULT, `EIO=4&transport=polling&sid=${sid}`, { timeout: 200 })
			.then(() => assert.fail('the poll was answered'), () => {});
		await sleep(150);
		const r = await post(URL_DEFAULT, sid, '6');
		assert.equal(r.status, 400, `the session is gone: ${r.status} ${r.body}`);
		assert.equal(JSON.parse(r.body).code, 1);
	});
});

// turnroom's own: socket.io recovers only a session it has seen end; a
// client that is back first gets a fresh one there.
describe('recovery before the server noticed the loss', { skip: !TURNROOM, timeout: 30000 },
	() => {
		test('the pid and a good offset take the old session over', async () => {
			const R = room('rec-takeover');
			const px = await blipProxy(URL_BUDGET); // 25 s pings: no timeout here
			let a, b, c;
			try {
				a = await connect(px.url, 'websocket');
				b = await connect(URL_BUDGET, 'websocket');
				a.emit('join', { roomId: R });
				await a.next('joined');
				b.emit('join', { roomId: R });
				await b.next('joined');
				await a.next('otherjoined');
				const id = a.id;
				const pid = a.socket._pid;
				px.strand();
				await a.next('disconnect');
				await send(b, R, 'into-the-void');
				// A bad offset with the right pid: a fresh session, and
				// the live socket is left alone.
				c = new Client(URL_BUDGET, 'websocket', { autoConnect: false });
				c.socket._pid = pid;
				c.socket._lastOffset = '999999';
				c.socket.connect();
				await c.connected();
				assert.equal(c.socket.recovered, false);
				assert.notEqual(c.id, id);
				await comeBack(a);
				assert.equal(a.socket.recovered, true);
				assert.equal(a.id, id);
				assert.deepEqual(bare(await a.next('message')), ['into-the-void']);
				await none(b, 'bye', 300);
				await none(c, 'message', 0);
			} finally {
				closeAll(a, b, c);
				px.close();
			}
		});
	});

describe('recovery state in the byte budget', { skip: !TURNROOM, timeout: 30000 }, () => {
	test('a held socket whose missed events outgrow signaling-max-queued is ended',
		async () => {
			const R = room('rec-budget');
			const px = await blipProxy(URL_BUDGET);
			let a, b;
			try {
				a = await connect(px.url, 'websocket');
				b = await connect(URL_BUDGET, 'websocket');
				a.emit('join', { roomId: R });
				await a.next('joined');
				b.emit('join', { roomId: R });
				await b.next('joined');
				await a.next('otherjoined');
				const id = a.id;
				px.blip();
				await a.next('disconnect');
				await sleep(300);
				// 20 x 4 KB kept for a: over the 64 KiB budget, well under
				// its own ws-max-output (256 KiB), within ws-rate's burst.
				const big = 'x'.repeat(4000);
				for (let i = 0; i < 20; i++)
					await send(b, R, `${i}:${big}`);
				// Shed: a leaves long before its 30 s window.
				assert.deepEqual(bare(await b.next('bye', 5000)), [{ roomId: R, userId: id }]);
				await comeBack(a);
				assert.equal(a.socket.recovered, false);
				await none(a, 'message', 200);
			} finally {
				closeAll(a, b);
				px.close();
			}
		});
});
