// One signaling policy for both protocols (issue 17), against a turnroom
// with signaling-auth=user (alice:pw), ws-join-timeout=2, ws-max-output=4096
// (the smallest) and the default ws-max-message (65536, the one maximum of a
// room event):
// - a receiver that reads is never cut for what another member may legally
//   send (a Socket.IO event reaching a native member); an over-size event is
//   refused to its sender and never delivered;
// - the Socket.IO join goes through the per-address brake on refused joins;
// - a Socket.IO socket in no room is closed after ws-join-timeout;
// - nothing is kept for a binary packet before CONNECT, and what a connected
//   socket holds of attachments is bounded (/metrics).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TURNROOM, room, connect, closeAll, need } from './lib.mjs';
import { wsConnect, sleep } from './rawlib.mjs';

const CREDS = { username: 'alice', password: 'pw' };
const POLICY = TURNROOM ? need('SIO_POLICY_URL') : null;
const METRICS_TOKEN = TURNROOM ? need('SIO_POLICY_METRICS_TOKEN') : null;
const TOKEN_URL = TURNROOM ? need('SIO_TOKEN_URL') : null;

class Native {
	constructor(url) {
		this.log = [];
		this.waiters = [];
		this.closed = false;
		this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
		this.ws.on('message', (buf) => {
			this.log.push(JSON.parse(buf.toString()));
			this._wake();
		});
		this.ws.on('close', (code) => {
			this.closed = true;
			this.closeCode = code;
			this._wake();
		});
		this.ws.on('error', () => {});
		this.open = new Promise((resolve, reject) => {
			this.ws.once('open', resolve);
			this.ws.once('error', reject);
		});
	}

	_wake() {
		for (const w of [...this.waiters])
			w();
	}

	send(event, data) {
		this.ws.send(JSON.stringify({ event, data }));
	}

	next(event, ms = 5000) {
		return new Promise((resolve, reject) => {
			const look = () => {
				const i = this.log.findIndex((m) => m.event === event && !m.taken);
				if (i >= 0) {
					this.log[i].taken = true;
					done();
					resolve(this.log[i]);
					return;
				}
				if (this.closed) {
					done();
					reject(new Error(`native closed (${this.closeCode}) while waiting for "${event}"`));
				}
			};
			const t = setTimeout(() => {
				done();
				reject(new Error(`native: no "${event}" within ${ms} ms`));
			}, ms);
			const done = () => {
				clearTimeout(t);
				this.waiters = this.waiters.filter((x) => x !== look);
			};
			this.waiters.push(look);
			look();
		});
	}

	close() {
		this.ws.close();
	}
}

async function metric(name) {
	const r = await fetch(POLICY + '/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
	assert.equal(r.status, 200, 'GET /metrics');
	const line = (await r.text()).split('\n').find((l) => l.startsWith(name + ' '));
	assert.ok(line, `${name} in /metrics`);
	return Number(line.split(' ')[1]);
}

// A raw CONNECTed socket: its acks by id.
async function rawAck(w, id) {
	for (;;) {
		const m = await w.next(5000);
		const a = typeof m === 'string' && new RegExp(`^43${id}(\\[.*)$`).exec(m);
		if (a)
			return JSON.parse(a[1])[0];
	}
}

const ph = (n) => ({ _placeholder: true, num: n });

describe('one signaling policy for native /ws and Socket.IO', { skip: !TURNROOM, timeout: 30000 }, () => {
	test('one maximum per room event: the largest legal event reaches a native member whatever its output cap; a larger one is refused to its sender', async () => {
		const R = room('maxevent');
		const nat = new Native(POLICY);
		let s;
		try {
			await nat.open;
			nat.send('join', { roomId: R, ...CREDS });
			await nat.next('joined');
			s = await connect(POLICY, 'websocket', { auth: CREDS });
			s.emit('join', { roomId: R });
			await s.next('joined');
			await nat.next('otherjoined');
			// 60,000 bytes of argument: legal (ws-max-message 65536); the native
			// member gets it twice (data and args), 30 times ws-max-output.
			const blob = 'x'.repeat(60000);
			let ack = await s.socket.timeout(5000).emitWithAck('bigEvent', { blob });
			assert.deepEqual(ack, { ok: true });
			const got = await nat.next('bigEvent');
			assert.equal(got.data.blob, blob);
			assert.equal(got.args[0].blob, blob);
			// A binary attachment of 50,000 bytes: base64 for the native member.
			ack = await s.socket.timeout(5000).emitWithAck('bigBinary', Buffer.alloc(50000, 7));
			assert.deepEqual(ack, { ok: true });
			const bin = await nat.next('bigBinary');
			assert.equal(Buffer.from(bin.attachments[0], 'base64').length, 50000);
			// 300 KB: over the maximum, refused to its sender, never delivered.
			ack = await s.socket.timeout(5000).emitWithAck('message', { roomId: R, data: 'y'.repeat(300000) });
			assert.equal(ack.ok, false);
			assert.equal(ack.code, 'too-large');
			ack = await s.socket.timeout(5000).emitWithAck('bigEvent', { blob: 'z'.repeat(70000) });
			assert.equal(ack.code, 'too-large');
			ack = await s.socket.timeout(5000).emitWithAck('bigBinary', Buffer.alloc(40000), Buffer.alloc(40000));
			assert.equal(ack.code, 'too-large');
			// The native member is still there: the next message is the first.
			s.emit('message', { roomId: R, data: 'after' });
			const m = await nat.next('message');
			assert.equal(m.data, 'after');
			assert.equal(nat.closed, false, 'native member not disconnected');
			assert.equal(nat.log.filter((e) => e.event === 'bigEvent' || e.event === 'bigBinary').length, 2,
				'no over-size event delivered');
		} finally {
			closeAll(s);
			nat.close();
		}
	});

	test('ws-join-timeout: a Socket.IO socket in no room is closed, one in a room stays', async () => {
		const idle = await connect(POLICY, 'websocket', { auth: CREDS });
		const busy = await connect(POLICY, 'websocket', { auth: CREDS });
		try {
			busy.emit('join', { roomId: room('jointimeout') });
			await busy.next('joined');
			const [reason] = await idle.next('disconnect', 6000);
			assert.equal(reason, 'transport close');
			assert.equal(busy.seen('disconnect').length, 0, 'the joined socket stays');
		} finally {
			closeAll(idle, busy);
		}
	});

	test('a binary packet before CONNECT closes the session at once: nothing is kept', async () => {
		// signaling-auth=token, no token: no CONNECT can succeed.
		const ws = [];
		try {
			for (let i = 0; i < 10; i++) {
				const w = await wsConnect(TOKEN_URL, { connect: false });
				ws.push(w);
				w.send('462-1' + JSON.stringify([ph(0), ph(1)]));
				w.send(Buffer.alloc(500000));
			}
			for (const w of ws)
				await w.waitClosed(1500);
		} finally {
			for (const w of ws)
				w.close();
		}
	});

	test('attachments of a connected socket: a BINARY_ACK keeps nothing, an event keeps at most ws-max-message', async () => {
		const w = await wsConnect(POLICY, { auth: CREDS });
		try {
			w.send('420' + JSON.stringify(['join', { roomId: room('attach') }]));
			assert.equal((await rawAck(w, 0)).ok, true);
			// BINARY_ACK (we never ask acks): counted and dropped.
			w.send('462-7' + JSON.stringify([ph(0), ph(1)]));
			w.send(Buffer.alloc(300000));
			await sleep(200);
			assert.equal(await metric('turnroom_socketio_attachment_bytes'), 0, 'a BINARY_ACK holds nothing');
			w.send(Buffer.alloc(10));
			// BINARY_EVENT over the maximum in its attachments: what is kept stays under it.
			w.send('452-1' + JSON.stringify(['blobs', ph(0), ph(1)]));
			w.send(Buffer.alloc(40000));
			await sleep(200);
			assert.equal(await metric('turnroom_socketio_attachment_bytes'), 40000);
			// ... charged to the session: in signaling-max-queued's count (issue 17)
			assert.equal(await metric('turnroom_engineio_queued_bytes'), 40000);
			w.send(Buffer.alloc(40000));
			const ack = await rawAck(w, 1);
			assert.equal(ack.code, 'too-large');
			assert.equal(await metric('turnroom_socketio_attachment_bytes'), 0);
			assert.equal(await metric('turnroom_engineio_queued_bytes'), 0);
			assert.equal(w.closed, false, 'a refused event does not close the session');
		} finally {
			w.close();
		}
	});

	test('the Socket.IO join goes through the brake on refused joins (signaling-auth=user)', async () => {
		// From an address of its own: the brake is per address.
		const w = await wsConnect(POLICY, { auth: CREDS, localAddress: '127.0.0.9' });
		try {
			const codes = [];
			for (let i = 0; i < 14; i++) {
				w.send(`42${i}` + JSON.stringify(['join', { roomId: room('guess'), username: 'alice', password: `guess${i}` }]));
				codes.push((await rawAck(w, i)).code);
			}
			assert.equal(codes[0], 'unauthorized');
			assert.ok(codes.includes('rate-limited'), `refusals: ${codes.join(' ')}`);
			// Braked: even the right password is refused now.
			w.send('4299' + JSON.stringify(['join', { roomId: room('guess'), ...CREDS }]));
			assert.equal((await rawAck(w, 99)).code, 'rate-limited');
		} finally {
			w.close();
		}
	});
});
