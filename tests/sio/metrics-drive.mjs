// Driven by tests/interop/test_socketio_metrics.sh (not a node --test file):
// the pinned socket.io-client through a known sequence whose counts the
// script then reads in /metrics. SIO_URL names the server.
//   A: polling handshake, upgrade to websocket, 3 events (join, 2 messages)
//   B: polling only, 1 event (join)
//   two refused requests: an unknown sid (code 1), an unknown transport (0)
//   A and B disconnect (socket.disconnect(): 41, then the transport closes)
import assert from 'node:assert/strict';
import { connect } from './lib.mjs';

const url = process.env.SIO_URL;
const ack = (c, ...args) => c.socket.timeout(3000).emitWithAck(...args);

async function refused(query, code) {
	const r = await fetch(`${url}/socket.io/?${query}`);
	assert.equal(r.status, 400, `status of ?${query}`);
	assert.equal((await r.json()).code, code, `engine.io error code of ?${query}`);
}

const a = await connect(url, 'default');
await ack(a, 'join', { roomId: 'metrics-a' });
await ack(a, 'message', { roomId: 'metrics-a', data: { n: 1 } });
await ack(a, 'message', { roomId: 'metrics-a', data: { n: 2 } });
const b = await connect(url, 'polling');
await ack(b, 'join', { roomId: 'metrics-b' });
await refused('EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA', 1);
await refused('EIO=4&transport=carrier-pigeon', 0);
a.close();
b.close();
// Let the clients' last writes go out before the process ends.
await new Promise((r) => setTimeout(r, 300));
console.log('driven');
process.exit(0);
