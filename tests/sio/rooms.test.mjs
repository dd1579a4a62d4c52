// The seed 003 room protocol with the real socket.io-client, in each
// transport mode: three clients and a capacity-2 room; the seed 000 additions
// (checkRoom, userLeave, relay of any other event, binary included); acks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URL_DEFAULT, MODES, room, connect, checkJoined, none, closeAll } from './lib.mjs';

const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n';

for (const mode of Object.keys(MODES)) {
	describe(`rooms over ${mode}`, { timeout: 30000 }, () => {
		test('join, otherjoined, full, message, leave, bye, disconnect', async () => {
			const R = room('three');
			let a, b, c;
			try {
				a = await connect(URL_DEFAULT, mode);
				b = await connect(URL_DEFAULT, mode);
				c = await connect(URL_DEFAULT, mode);
				assert.notEqual(a.id, b.id);

				a.emit('join', { roomId: R });
				checkJoined((await a.next('joined'))[0], { roomId: R, userNum: 1 }, a);
				b.emit('join', { roomId: R });
				checkJoined((await b.next('joined'))[0], { roomId: R, userNum: 2 }, b);
				assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: b.id }]);
				await none(b, 'otherjoined', 0);

				c.emit('join', { roomId: R });
				assert.deepEqual(await c.next('full'), [{ roomId: R, userNum: 2 }]);
				assert.equal(c.seen('joined').length, 0, 'no joined for the refused third');

				// message: the others get exactly `data`, the sender nothing
				const offer = { type: 'offer', value: { type: 'offer', sdp: SDP }, note: 'héllo ✓ 🚀' };
				a.emit('message', { roomId: R, data: offer });
				assert.deepEqual(await b.next('message'), [offer]);
				const cand = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host ✓';
				b.emit('message', { roomId: R, data: cand });
				assert.deepEqual(await a.next('message'), [cand]);
				const nested = { type: 'candidate', value: { candidate: cand, sdpMid: '0', sdpMLineIndex: 0,
					usernameFragment: null }, list: [1, 2.5, true, false, null, 'x'] };
				a.emit('message', { roomId: R, data: nested });
				assert.deepEqual(await b.next('message'), [nested]);
				await none(a, 'message');
				await none(c, 'message', 0);

				// leave: bye to the other, leaved to the leaver
				b.emit('leave', { roomId: R });
				assert.deepEqual(await b.next('leaved'), [{ roomId: R }]);
				assert.deepEqual(await a.next('bye'), [{ roomId: R, userId: b.id }]);

				// the freed slot goes to the third
				c.emit('join', { roomId: R });
				checkJoined((await c.next('joined'))[0], { roomId: R, userNum: 2 }, c);
				assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: c.id }]);

				// a client that disconnects (41, then the transport closes) -> bye
				const cid = c.id;
				c.close();
				assert.deepEqual(await a.next('bye'), [{ roomId: R, userId: cid }]);
				await none(b, 'bye', 0);

				// the room has one member left: a newcomer joins as the second
				b.emit('join', { roomId: R });
				checkJoined((await b.next('joined'))[0], { roomId: R, userNum: 2 }, b);
				assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: b.id }]);
			} finally {
				closeAll(a, b, c);
			}
		});

		test('seed 000: checkRoom, relayed events with binary attachments, userLeave', async () => {
			const R = room('relay');
			let a, b;
			try {
				a = await connect(URL_DEFAULT, mode);
				b = await connect(URL_DEFAULT, mode);
				a.emit('checkRoom', { roomId: R });
				assert.deepEqual(await a.next('checkRoomSuccess'), [{ roomId: R, userNum: 0, capacity: 2 }]);
				a.emit('join', { roomId: R });
				await a.next('joined');
				b.emit('checkRoom', { roomId: R });
				assert.deepEqual(await b.next('checkRoomSuccess'), [{ roomId: R, userNum: 1, capacity: 2 }]);
				b.emit('join', { roomId: R });
				await b.next('joined');
				await a.next('otherjoined');
				const cc = await connect(URL_DEFAULT, mode);
				try {
					cc.emit('checkRoom', { roomId: R });
					assert.deepEqual(await cc.next('full'), [{ roomId: R, userNum: 2 }]);
				} finally {
					cc.close();
				}

				// the seed 000 events travel unchanged, every argument
				const user = { sockId: a.id, name: 'Amy' };
				const offer = { type: 'offer', sdp: SDP };
				a.emit('receiveOffer', { user, offer });
				assert.deepEqual(await b.next('receiveOffer'), [{ user, offer }]);
				b.emit('receiveAnsewer', { answer: { type: 'answer', sdp: SDP }, user: { sockId: b.id } });
				assert.deepEqual(await a.next('receiveAnsewer'),
					[{ answer: { type: 'answer', sdp: SDP }, user: { sockId: b.id } }]);
				a.emit('addIceCandidate', { candidate: { candidate: 'candidate:2 1 udp 1 10.0.0.1 9 typ relay' }, user }, 42, 'two');
				assert.deepEqual(await b.next('addIceCandidate'),
					[{ candidate: { candidate: 'candidate:2 1 udp 1 10.0.0.1 9 typ relay' }, user }, 42, 'two']);
				await none(a, 'addIceCandidate');

				// binary attachments (BINARY_EVENT, placeholders) arrive intact
				const blob = Buffer.alloc(3000);
				for (let i = 0; i < blob.length; i++)
					blob[i] = (i * 7 + 3) & 0xff;
				const small = Buffer.from([0, 1, 0x1e, 0x7f, 0x80, 0xff]);
				a.emit('fileChunk', { name: 'f.bin', part: blob, meta: { n: 1, parts: [small] } }, Buffer.alloc(0), 'tail');
				const [got, empty, tail] = await b.next('fileChunk');
				assert.ok(Buffer.isBuffer(got.part), 'attachment arrives as binary');
				assert.ok(blob.equals(got.part), 'attachment bytes intact');
				assert.ok(small.equals(got.meta.parts[0]), 'nested attachment intact');
				assert.deepEqual({ ...got, part: null, meta: { ...got.meta, parts: null } },
					{ name: 'f.bin', part: null, meta: { n: 1, parts: null } });
				assert.ok(Buffer.isBuffer(empty) && empty.length === 0, 'empty attachment');
				assert.equal(tail, 'tail');
				// and back the other way, an attachment as the only argument
				b.emit('raw', small);
				const [back] = await a.next('raw');
				assert.ok(Buffer.isBuffer(back) && small.equals(back));

				// userLeave is leave
				const bid = b.id;
				b.emit('userLeave', { roomId: R });
				assert.deepEqual(await b.next('leaved'), [{ roomId: R }]);
				assert.deepEqual(await a.next('bye'), [{ roomId: R, userId: bid }]);
				// no longer a member: nothing reaches b any more
				a.emit('receiveOffer', { user, offer });
				await none(b, 'receiveOffer');
			} finally {
				closeAll(a, b);
			}
		});

		test('acks: the server acks join, message and relayed events', async () => {
			const R = room('ack');
			let a, b;
			try {
				a = await connect(URL_DEFAULT, mode);
				b = await connect(URL_DEFAULT, mode);
				const ack = (c, ...args) => c.socket.timeout(3000).emitWithAck(...args);
				await ack(a, 'join', { roomId: R });
				checkJoined((await a.next('joined'))[0], { roomId: R, userNum: 1 }, a);
				await ack(b, 'join', { roomId: R });
				await b.next('joined');
				await ack(a, 'message', { roomId: R, data: { n: 1 } });
				assert.deepEqual(await b.next('message'), [{ n: 1 }]);
				await ack(b, 'answerVideo', { sockId: b.id }, Buffer.from('bin'));
				const args = await a.next('answerVideo');
				// the server acks itself: the peer gets exactly the arguments,
				// no ack request (the client would append a callback)
				assert.equal(args.length, 2, 'relayed arguments');
				assert.deepEqual(args[0], { sockId: b.id });
				assert.ok(Buffer.from('bin').equals(args[1]));
			} finally {
				closeAll(a, b);
			}
		});
	});
}
