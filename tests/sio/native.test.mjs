// A native /ws client (turnroom's {"event","data"} JSON frames, doc/signaling.md)
// and a socket.io client in one room: presence both ways, message both ways
// (each side gets exactly the sender's data; the native envelope adds `from`),
// leave and disconnect -> bye.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { URL_DEFAULT, MODES, room, connect, checkJoined, none, closeAll, TURNROOM } from './lib.mjs';

class Native {
	constructor(url) {
		this.log = [];
		this.waiters = [];
		this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
		this.ws.on('message', (buf) => {
			this.log.push(JSON.parse(buf.toString()));
			for (const w of [...this.waiters])
				w();
		});
		this.open = new Promise((resolve, reject) => {
			this.ws.once('open', resolve);
			this.ws.once('error', reject);
		});
	}

	send(event, data) {
		this.ws.send(JSON.stringify({ event, data }));
	}

	next(event, ms = 5000) {
		return new Promise((resolve, reject) => {
			const look = () => {
				const i = this.log.findIndex((m) => m.event === event && !m.taken);
				if (i < 0)
					return false;
				this.log[i].taken = true;
				clearTimeout(t);
				this.waiters = this.waiters.filter((x) => x !== look);
				resolve(this.log[i]);
				return true;
			};
			const t = setTimeout(() => {
				this.waiters = this.waiters.filter((x) => x !== look);
				reject(new Error(`native: no "${event}" within ${ms} ms; got ${JSON.stringify(this.log)}`));
			}, ms);
			if (!look())
				this.waiters.push(look);
		});
	}

	close() {
		this.ws.close();
	}
}

for (const mode of Object.keys(MODES)) {
	describe(`native /ws and socket.io (${mode}) in one room`, { timeout: 30000 }, () => {
		test('presence, message both ways, leave, disconnect', async () => {
			const R = room('mixed');
			let a, n;
			try {
				a = await connect(URL_DEFAULT, mode);
				a.emit('join', { roomId: R });
				checkJoined((await a.next('joined'))[0], { roomId: R, userNum: 1 }, a);

				n = new Native(URL_DEFAULT);
				await n.open;
				n.send('join', { roomId: R });
				const j = (await n.next('joined')).data;
				assert.equal(j.roomId, R);
				assert.equal(j.userNum, 2);
				assert.equal(typeof j.userId, 'string');
				assert.ok(j.userId.length > 0);
				if (TURNROOM)
					assert.deepEqual(j.peers, [a.id], 'native joined.peers holds the Socket.IO id');
				assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: j.userId }]);

				// native -> socket.io: exactly data
				const offer = { type: 'offer', value: { type: 'offer', sdp: 'v=0\r\nx=é✓\r\n' } };
				n.send('message', { roomId: R, data: offer });
				assert.deepEqual(await a.next('message'), [offer]);
				// socket.io -> native: the envelope carries from and exactly data
				const answer = { type: 'answer', value: { type: 'answer', sdp: 'v=0\r\n' }, n: [1, null] };
				a.emit('message', { roomId: R, data: answer });
				const m = await n.next('message');
				assert.equal(m.from, a.id, 'native message.from is the Socket.IO id');
				assert.deepEqual(m.data, answer);

				// native leaves: the socket.io member gets bye with its userId
				n.send('leave', { roomId: R });
				assert.deepEqual((await n.next('leaved')).data, { roomId: R });
				assert.deepEqual(await a.next('bye'), [{ roomId: R, userId: j.userId }]);

				// native rejoins; the socket.io member disconnects -> native bye
				n.send('join', { roomId: R });
				const j2 = (await n.next('joined')).data;
				assert.equal(j2.userNum, 2);
				await a.next('otherjoined');
				const aid = a.id;
				a.close();
				assert.deepEqual((await n.next('bye')).data, { roomId: R, userId: aid });
			} finally {
				closeAll(a, n);
			}
		});
	});
}

test('a socket.io member joins a room a native client opened; a third is refused', { timeout: 20000 }, async () => {
	const R = room('mixed2');
	let n, a, c;
	try {
		n = new Native(URL_DEFAULT);
		await n.open;
		n.send('join', { roomId: R });
		const j = (await n.next('joined')).data;
		assert.equal(j.userNum, 1);
		a = await connect(URL_DEFAULT, 'websocket');
		a.emit('join', { roomId: R });
		checkJoined((await a.next('joined'))[0], { roomId: R, userNum: 2 }, a);
		assert.deepEqual((await n.next('otherjoined')).data, { roomId: R, userId: a.id });
		c = await connect(URL_DEFAULT, 'polling');
		c.emit('join', { roomId: R });
		assert.deepEqual(await c.next('full'), [{ roomId: R, userNum: 2 }]);
		await none(a, 'otherjoined', 0);
	} finally {
		closeAll(n, a, c);
	}
});
