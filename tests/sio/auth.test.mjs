// CONNECT: bad namespace -> CONNECT_ERROR "Invalid namespace"; with
// signaling-auth=token the token travels in the CONNECT auth payload
// (io(url, {auth: {token}})) and a refusal is a connect_error, as socket.io
// middleware errors look to the client.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { URL_DEFAULT, MODES, room, connect, Client, checkJoined, need, closeAll } from './lib.mjs';

const TOKEN_URL = need('SIO_TOKEN_URL');
// Refused CONNECTs go to a server of their own: turnroom rate-limits refused
// attempts per source address (as on /ws), and every test comes from 127.0.0.1.
const REFUSE_URL = need('SIO_TOKEN2_URL');
const TOKEN = need('SIO_TOKEN');
const BAD_TOKEN = need('SIO_BAD_TOKEN');

async function refused(url, mode, extra) {
	const c = new Client(url, mode, extra);
	try {
		const [err] = await c.next('connect_error');
		assert.equal(c.socket.connected, false);
		assert.equal(c.seen('connect').length, 0, 'no connect event');
		return err;
	} finally {
		c.close();
	}
}

for (const mode of Object.keys(MODES)) {
	describe(`CONNECT over ${mode}`, { timeout: 30000 }, () => {
		test('unknown namespace: connect_error "Invalid namespace"', async () => {
			const err = await refused(URL_DEFAULT + '/nope', mode);
			assert.equal(err.message, 'Invalid namespace');
			// the main namespace on the same server still works
			const ok = await connect(URL_DEFAULT, mode);
			ok.close();
		});

		test('token auth: a valid token is accepted, a client can join', async () => {
			const c = await connect(TOKEN_URL, mode, { auth: { token: TOKEN } });
			try {
				const R = room('auth');
				c.emit('join', { roomId: R });
				checkJoined((await c.next('joined'))[0], { roomId: R, userNum: 1 }, c);
			} finally {
				c.close();
			}
		});

		test('token auth: no token, a bad signature, garbage -> connect_error', async () => {
			for (const auth of [undefined, { token: BAD_TOKEN }, { token: 'x.y.z' }, { token: 42 }]) {
				const err = await refused(REFUSE_URL, mode, auth ? { auth } : {});
				assert.equal(typeof err.message, 'string');
				assert.ok(err.message.length > 0, 'connect_error carries a message');
				assert.notEqual(err.message, 'Invalid namespace');
				// a CONNECT_ERROR from the server, not a transport failure
				assert.notEqual(err.message, 'xhr poll error');
				assert.notEqual(err.message, 'websocket error');
				assert.notEqual(err.message, 'timeout');
			}
		});
	});
}

test('token auth: the refused client is never in a room', { timeout: 20000 }, async () => {
	const R = room('authroom');
	let a, b;
	try {
		a = await connect(TOKEN_URL, 'websocket', { auth: { token: TOKEN } });
		a.emit('join', { roomId: R });
		await a.next('joined');
		b = new Client(TOKEN_URL, 'websocket', { auth: { token: BAD_TOKEN } });
		await b.next('connect_error');
		b.emit('join', { roomId: R });       // buffered by the client, never sent
		await new Promise((r) => setTimeout(r, 300));
		assert.equal(a.seen('otherjoined').length, 0);
	} finally {
		closeAll(a, b);
	}
});
