// Socket.IO members on two nodes of one cluster (run by
// tests/interop/signal_cluster.py with SIO_URL and SIO_URL2 naming the two
// nodes): join/otherjoined across nodes, full for a third member on either
// node, message with exactly `data`, a seed 000 custom event with a binary
// attachment relayed intact, checkRoom from shared state, leave and bye.
// The nodes have a resume window, so connection state recovery is on: every
// event ends with its offset (nextBare takes it off).
// Exit 0 on pass; an assertion failure exits non-zero with the reason.
import assert from 'node:assert/strict';
import { need, room, connect, closeAll } from './lib.mjs';

const URL1 = need('SIO_URL');
const URL2 = need('SIO_URL2');

for (const mode of ['websocket', 'polling']) {
	const R = room('cluster-' + mode);
	let a, b, c;
	try {
		a = await connect(URL1, mode);
		b = await connect(URL2, mode);
		c = await connect(URL1, mode);
		a.emit('join', { roomId: R });
		const ja = (await a.nextBare('joined'))[0];
		assert.equal(ja.userNum, 1);
		assert.equal(ja.userId, a.id);
		b.emit('join', { roomId: R });
		const jb = (await b.nextBare('joined'))[0];
		assert.equal(jb.userNum, 2, 'joined.userNum on the other node');
		assert.deepEqual(jb.peers, [a.id], 'joined.peers names the member on node 1');
		assert.deepEqual(await a.nextBare('otherjoined'), [{ roomId: R, userId: b.id }]);
		c.emit('join', { roomId: R });
		assert.deepEqual(await c.nextBare('full'), [{ roomId: R, userNum: 2 }]);
		c.emit('checkRoom', { roomId: R });
		assert.deepEqual(await c.nextBare('full'), [{ roomId: R, userNum: 2 }]);

		const offer = { type: 'offer', sdp: 'v=0\r\ns=-\r\n', note: 'héllo ✓' };
		a.emit('message', { roomId: R, data: offer });
		assert.deepEqual(await b.nextBare('message'), [offer], 'message across nodes');
		const blob = Buffer.from([0, 1, 2, 255, 0, 128]);
		b.emit('receiveOffer', { user: 'bob', offer }, blob);
		const got = await a.nextBare('receiveOffer');
		assert.deepEqual(got[0], { user: 'bob', offer }, 'custom event args across nodes');
		assert.ok(Buffer.from(got[1]).equals(blob), 'binary attachment across nodes');

		b.emit('leave', { roomId: R });
		assert.deepEqual(await b.nextBare('leaved'), [{ roomId: R }]);
		assert.deepEqual(await a.nextBare('bye'), [{ roomId: R, userId: b.id }], 'bye across nodes');
	} finally {
		closeAll(a, b, c);
	}
}
console.log('PASS socket.io members across two nodes (websocket, polling)');
process.exit(0);
