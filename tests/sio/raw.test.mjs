// Raw Engine.IO v4 / Socket.IO v5 on the wire: the error answers exactly as
// engine.io gives them, the handshake, long-polling payloads, malformed
// packets, duplicate polls, maxPayload, the upgrade with its noop, heartbeat
// and timeouts, close, CORS. Expectations are engine.io 6.6's behaviour (the
// reference server proves each) and the engine.io-protocol README.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { need, URL_DEFAULT, room, connect, closeAll } from './lib.mjs';
import { SEP, sleep, request, poll, post, handshake, pollingConnect, pollUntilGone,
	RawWs, wsConnect, rawUpgrade, rawHttp } from './rawlib.mjs';

const TIGHT = need('SIO_TIGHT_URL');     // ping 400/400 ms, maxPayload 2000, connect timeout 1000 ms
const CORS = need('SIO_CORS_URL');
const ORIGIN = need('SIO_ORIGIN');
const SID_RE = /^[A-Za-z0-9_-]{16,}$/;

describe('engine.io errors', { timeout: 20000 }, () => {
	const errors = [
		['GET', '', 0, 'Transport unknown'],
		['GET', 'EIO=4', 0, 'Transport unknown'],
		['GET', 'EIO=4&transport=abc', 0, 'Transport unknown'],
		['GET', 'EIO=4&transport=polling&sid=nosuchsid', 1, 'Session ID unknown'],
		['POST', 'EIO=4&transport=polling&sid=nosuchsid', 1, 'Session ID unknown'],
		['POST', 'EIO=4&transport=polling', 2, 'Bad handshake method'],
		['PUT', 'EIO=4&transport=polling', 2, 'Bad handshake method'],
		['OPTIONS', 'EIO=4&transport=polling', 2, 'Bad handshake method'],
		['GET', 'EIO=4&transport=websocket', 3, 'Bad request'],
		['GET', 'EIO=3&transport=polling', 5, 'Unsupported protocol version'],
		['GET', 'transport=polling', 5, 'Unsupported protocol version'],
		['GET', 'EIO=abc&transport=polling', 5, 'Unsupported protocol version'],
	];
	for (const [method, query, code, message] of errors) {
		test(`${method} ?${query} -> 400 {"code":${code}}`, async () => {
			const r = await request(URL_DEFAULT, query, { method });
			assert.equal(r.status, 400);
			assert.match(r.headers['content-type'] || '', /^application\/json/);
			assert.equal(r.body, JSON.stringify({ code, message }));
		});
	}

	// engine.io refuses a WebSocket upgrade with a plain-text 400 (abortUpgrade)
	for (const [query, message] of [
		['EIO=4&transport=websocket&sid=nosuchsid', 'Session ID unknown'],
		['EIO=4&transport=abc', 'Transport unknown'],
	]) {
		test(`upgrade ?${query} -> 400 "${message}"`, async () => {
			const r = await rawUpgrade(URL_DEFAULT, query);
			assert.equal(r.status, 400, r.head);
			assert.equal(r.body, message);
		});
	}
});

// engine.io verifies a request (transport, sid) from its head, before a
// POST body is read: the refusal comes without the body ever being sent.
describe('a POST is refused from its head', { timeout: 40000 }, () => {
	for (const [query, code, message] of [
		['EIO=4&transport=polling&sid=nosuchsid', 1, 'Session ID unknown'],
		['EIO=4&transport=abc&sid=nosuchsid', 0, 'Transport unknown'],
		['EIO=4&transport=polling', 2, 'Bad handshake method'],
	]) {
		for (const framing of ['Content-Length: 500000', 'Transfer-Encoding: chunked']) {
			test(`POST ?${query} (${framing}, no body sent) -> 400 {"code":${code}}`, async () => {
				const u = new URL(URL_DEFAULT);
				const r = await rawHttp(URL_DEFAULT, [`POST /socket.io/?${query} HTTP/1.1\r\n` +
					`Host: ${u.host}\r\nContent-Type: text/plain;charset=UTF-8\r\n${framing}\r\n\r\n`]);
				assert.equal(r.status, 400, r.head || 'no answer before the body');
				assert.equal(r.body, JSON.stringify({ code, message }));
			});
		}
	}
});

test('EIO=3 over websocket: no session is opened', { timeout: 10000 }, async () => {
	const w = new RawWs(URL_DEFAULT, 'EIO=3&transport=websocket');
	await w.opened.catch(() => {});
	await w.waitClosed(3000);
	assert.deepEqual(w.q.filter((m) => typeof m === 'string' && m[0] === '0'), [], 'no open packet');
});

describe('handshake and ids', { timeout: 20000 }, () => {
	test('polling: the open packet is the whole body, with the defaults', async () => {
		const h = await handshake(URL_DEFAULT);
		const r = h.response;
		assert.match(r.headers['content-type'], /^text\/plain/);
		const open = JSON.parse(r.body.slice(1));
		assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
		assert.match(open.sid, SID_RE);
		assert.deepEqual({ ...open, sid: 0 }, { sid: 0, upgrades: ['websocket'], pingInterval: 25000,
			pingTimeout: 20000, maxPayload: 1000000 });
	});

	test('websocket: the open packet is the first frame, upgrades []', async () => {
		const w = await wsConnect(URL_DEFAULT, { connect: false });
		try {
			assert.deepEqual({ ...w.open, sid: 0 }, { sid: 0, upgrades: [], pingInterval: 25000,
				pingTimeout: 20000, maxPayload: 1000000 });
			assert.match(w.open.sid, SID_RE);
		} finally {
			w.close();
		}
	});

	test('the tight server announces its options', async () => {
		const h = await handshake(TIGHT);
		assert.deepEqual([h.pingInterval, h.pingTimeout, h.maxPayload], [400, 400, 2000]);
	});

	test('engine sid and Socket.IO id differ; every session has its own', async () => {
		const a = await pollingConnect(URL_DEFAULT);
		const b = await pollingConnect(URL_DEFAULT);
		const w = await wsConnect(URL_DEFAULT);
		try {
			for (const id of [a.sid, a.ioSid, b.sid, b.ioSid, w.open.sid, w.ioSid])
				assert.match(id, SID_RE);
			assert.equal(new Set([a.sid, a.ioSid, b.sid, b.ioSid, w.open.sid, w.ioSid]).size, 6);
		} finally {
			w.close();
		}
	});

	test('CONNECT with an auth payload on an open server is accepted', async () => {
		const w = await wsConnect(URL_DEFAULT, { connect: false });
		try {
			w.send('40{"token":"ignored"}');
			assert.match(await w.next(), /^40\{"sid":"[A-Za-z0-9_-]{16,}"\}$/);
		} finally {
			w.close();
		}
	});

	test('CONNECT to an unknown namespace without the comma -> 44/random,{...}', async () => {
		const w = await wsConnect(URL_DEFAULT, { connect: false });
		try {
			w.send('40/random');
			assert.equal(await w.next(), '44/random,{"message":"Invalid namespace"}');
		} finally {
			w.close();
		}
	});

	test('DISCONNECT (41) leaves the Engine.IO session open; CONNECT again gets a new id', async () => {
		const w = await wsConnect(TIGHT);
		try {
			const first = w.ioSid;
			w.send('41');
			await sleep(1000);              // two ping intervals, answered by autoPong
			assert.equal(w.closed, false, 'the session outlives 41');
			w.send('40');
			const m = /^40\{"sid":"([^"]+)"\}$/.exec(await w.next());
			assert.ok(m, 'CONNECT reply after 41');
			assert.notEqual(m[1], first, 'a new Socket.IO id');
		} finally {
			w.close();
		}
	});

	test('CONNECT to an unknown namespace -> 44/nsp,{"message":"Invalid namespace"}', async () => {
		const w = await wsConnect(URL_DEFAULT, { connect: false });
		try {
			w.send('40/nope,');
			assert.equal(await w.next(), '44/nope,{"message":"Invalid namespace"}');
			// the session lives on: "/" still connects
			w.send('40');
			assert.match(await w.next(), /^40\{"sid":/);
		} finally {
			w.close();
		}
	});
});

describe('long-polling', { timeout: 30000 }, () => {
	test('POST answers "ok"; a held GET is released by the next packets', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const held = poll(URL_DEFAULT, sid);
		await sleep(200);
		const R = room('rawpoll');
		const p = await post(URL_DEFAULT, sid, `42["join",{"roomId":"${R}"}]`);
		assert.equal(p.status, 200);
		assert.equal(p.body, 'ok');
		const g = await held;
		assert.equal(g.status, 200);
		assert.match(g.headers['content-type'], /^text\/plain/);
		const [first] = g.body.split(SEP);
		const [ev, data] = JSON.parse(first.slice(2));
		assert.equal(first.slice(0, 2), '42');
		assert.equal(ev, 'joined');
		assert.equal(data.roomId, R);
		assert.equal(data.userNum, 1);
	});

	test('a POST of 0x1E-separated packets is processed in order; queued packets come batched', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const R1 = room('batch');
		const R2 = room('batch');
		const p = await post(URL_DEFAULT, sid, [`42["join",{"roomId":"${R1}"}]`, `42["leave",{"roomId":"${R1}"}]`,
			`42["join",{"roomId":"${R2}"}]`, `42["leave",{"roomId":"${R2}"}]`].join(SEP));
		assert.equal(p.status, 200);
		await sleep(300);
		const events = [];
		while (events.length < 4) {
			const g = await poll(URL_DEFAULT, sid);
			assert.equal(g.status, 200);
			assert.ok(g.body.length > 0, 'a GET is never answered with an empty body');
			for (const pk of g.body.split(SEP))
				if (pk.startsWith('42'))
					events.push(JSON.parse(pk.slice(2)));
		}
		assert.deepEqual(events.map(([e, d]) => [e, d.roomId]),
			[['joined', R1], ['leaved', R1], ['joined', R2], ['leaved', R2]]);
	});

	test('binary: a base64 "b" packet in a POST reaches a peer intact, and back', async () => {
		const R = room('b64');
		const { sid } = await pollingConnect(URL_DEFAULT);
		let peer;
		try {
			await post(URL_DEFAULT, sid, `42["join",{"roomId":"${R}"}]`);
			assert.match((await poll(URL_DEFAULT, sid)).body, /^42\["joined"/);
			peer = await connect(URL_DEFAULT, 'websocket');
			peer.emit('join', { roomId: R });
			await peer.next('joined');
			assert.match((await poll(URL_DEFAULT, sid)).body, /^42\["otherjoined"/);
			const bytes = Buffer.from([0, 1, 2, 0x1e, 0xfe, 0xff]);
			const p = await post(URL_DEFAULT, sid,
				`451-["blob",{"name":"x","data":{"_placeholder":true,"num":0}}]${SEP}b${bytes.toString('base64')}`);
			assert.equal(p.status, 200);
			const [arg] = await peer.next('blob');
			assert.equal(arg.name, 'x');
			assert.ok(Buffer.isBuffer(arg.data) && bytes.equals(arg.data), 'attachment intact');
			// the peer's binary comes down the poll as "451-[...]" + "b<base64>"
			peer.emit('blob', Buffer.from('back\u0000'));
			const g = await poll(URL_DEFAULT, sid);
			const pk = g.body.split(SEP);
			assert.equal(pk.length, 2, g.body);
			assert.equal(pk[0], '451-["blob",{"_placeholder":true,"num":0}]');
			assert.equal(pk[1], 'b' + Buffer.from('back\u0000').toString('base64'));
		} finally {
			closeAll(peer);
		}
	});

	test('a POST body in chunked transfer coding is read (RFC 9112 6.1)', async () => {
		const { sid } = await handshake(URL_DEFAULT);
		const p = await post(URL_DEFAULT, sid, '40', { chunked: true });
		assert.equal(p.status, 200);
		assert.equal(p.body, 'ok');
		const g = await poll(URL_DEFAULT, sid, { timeout: 3000 });
		assert.match(g.body, /^40\{"sid":"/);
	});

	// node's http.request without a length sends its body chunked, and a
	// chunk larger than one read arrives in pieces: its declared size is
	// not a reason to refuse it before the rest comes.
	test('a chunked POST whose chunk spans two reads is read whole', async () => {
		const { sid } = await handshake(URL_DEFAULT);
		const u = new URL(URL_DEFAULT);
		const body = '40' + '\x1e6'.repeat(100);
		const head = `POST /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\n` +
			`Host: ${u.host}\r\nContent-Type: text/plain;charset=UTF-8\r\n` +
			'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
		const r = await rawHttp(URL_DEFAULT, [
			head + body.length.toString(16) + '\r\n' + body.slice(0, 50),
			body.slice(50, 120),
			body.slice(120) + '\r\n0\r\n\r\n',
		]);
		assert.equal(r.status, 200, r.head);
		assert.equal(r.body, 'ok');
		const g = await poll(URL_DEFAULT, sid, { timeout: 3000 });
		assert.match(g.body, /^40\{"sid":"/);
	});

	test('a duplicate GET closes the session: the first gets "1", the second 400', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const first = poll(URL_DEFAULT, sid);
		await sleep(100);
		const second = await poll(URL_DEFAULT, sid);
		assert.ok([400, 500].includes(second.status), `second GET: ${second.status}`);
		const f = await first;
		assert.equal(f.status, 200);
		assert.equal(f.body, '1');
		const after = await poll(URL_DEFAULT, sid);
		assert.equal(after.status, 400);
		assert.equal(after.body, '{"code":1,"message":"Session ID unknown"}');
	});

	test('POST "1" closes the session: the held GET gets "6", then 400', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const held = poll(URL_DEFAULT, sid);
		await sleep(100);
		const p = await post(URL_DEFAULT, sid, '1');
		assert.equal(p.status, 200);
		const h = await held;
		assert.equal(h.status, 200);
		assert.equal(h.body, '6');
		assert.equal((await poll(URL_DEFAULT, sid)).status, 400);
	});

	test('maxPayload: a larger POST gets 413 and the session is closed', async () => {
		const { sid } = await pollingConnect(TIGHT);
		const ok = await post(TIGHT, sid, '42["x","' + 'a'.repeat(1500) + '"]');
		assert.equal(ok.status, 200, 'a POST under maxPayload is accepted');
		const big = await post(TIGHT, sid, '42["x","' + 'a'.repeat(3000) + '"]').catch((e) => ({ status: e.message }));
		assert.equal(big.status, 413);
		await pollUntilGone(TIGHT, sid);
	});
});

describe('malformed packets close the session', { timeout: 30000 }, () => {
	// engine.io: an undecodable packet closes the session; socket.io: a
	// packet the parser refuses closes the connection.
	const bad = ['abc', '9', '4', '4abc', '42{"a":1}', '42"text"', '42["join"', '47[]', '42[]', '42{}',
		'42abc["message",1]'];
	for (const pk of bad) {
		test(`websocket: ${JSON.stringify(pk)}`, async () => {
			const w = await wsConnect(URL_DEFAULT, { connect: !['abc', '9'].includes(pk) });
			try {
				w.send(pk);
				await w.waitClosed(3000);
			} finally {
				w.close();
			}
		});
	}
	for (const pk of ['abc', '42{"a":1}', '42["join"', '47[]']) {
		test(`polling: ${JSON.stringify(pk)}`, async () => {
			const { sid } = await pollingConnect(URL_DEFAULT);
			const p = await post(URL_DEFAULT, sid, pk).catch(() => ({ status: 'reset' }));
			assert.ok([200, 400, 'reset'].includes(p.status), `POST answered ${p.status}`);
			await pollUntilGone(URL_DEFAULT, sid);
		});
	}

	test('websocket: a frame over maxPayload closes the connection', async () => {
		const w = await wsConnect(TIGHT);
		try {
			w.send('42["x","' + 'a'.repeat(1500) + '"]');
			await sleep(100);
			assert.equal(w.closed, false, 'a frame under maxPayload is accepted');
			w.send('42["x","' + 'a'.repeat(3000) + '"]');
			await w.waitClosed(3000);
		} finally {
			w.close();
		}
	});
});

describe('upgrade', { timeout: 20000 }, () => {
	test('a held GET is released with "6" after 3probe; "5" switches; polling is then refused', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const held = poll(URL_DEFAULT, sid);
		await sleep(100);
		const w = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
		try {
			await w.opened;
			w.send('2probe');
			// no open packet on a bound WebSocket: the first frame is 3probe
			assert.equal(await w.next(), '3probe');
			const t0 = Date.now();
			const h = await held;
			assert.equal(h.status, 200);
			assert.equal(h.body, '6');
			assert.ok(Date.now() - t0 < 1500, 'noop within 1.5 s of the probe');
			w.send('5');
			const R = room('upg');
			w.send(`42["join",{"roomId":"${R}"}]`);
			const [ev, data] = await w.nextEvent();
			assert.equal(ev, 'joined');
			assert.equal(data.roomId, R);
			const g = await poll(URL_DEFAULT, sid);
			assert.equal(g.status, 400, 'polling after the upgrade');
		} finally {
			w.close();
		}
	});

	test('a GET arriving after 3probe gets "6" at once', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const w = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
		try {
			await w.opened;
			w.send('2probe');
			assert.equal(await w.next(), '3probe');
			const g = await poll(URL_DEFAULT, sid, { timeout: 2000 });
			assert.equal(g.status, 200);
			assert.equal(g.body, '6');
			w.send('5');
			w.send('42["checkRoom",{"roomId":"upg2"}]');
			const [ev] = await w.nextEvent();
			assert.equal(ev, 'checkRoomSuccess');
		} finally {
			w.close();
		}
	});

	// engine.io completes the handshake of a WebSocket that names a session
	// it cannot take over (upgraded already, or another probe under way),
	// then closes it; the session goes on (the engine.io protocol test
	// suite: "ignores WebSocket connection with same sid after upgrade").
	test('a second WebSocket with an upgraded sid: 101, then closed; the session goes on', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const w = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
		let probing, w2;
		try {
			await w.opened;
			probing = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
			await probing.opened; // a probe under way: accepted, then closed
			await probing.waitClosed(3000);
			w.send('2probe');
			assert.equal(await w.next(), '3probe');
			w.send('5');
			w2 = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
			await w2.opened; // the 101: a refusal would reject here
			await w2.waitClosed(3000);
			assert.deepEqual(w2.q, [], 'nothing sent on the second WebSocket');
			w.send('42["checkRoom",{"roomId":"dup-ws"}]');
			const [ev] = await w.nextEvent();
			assert.equal(ev, 'checkRoomSuccess');
			assert.ok(!w.closed, 'the upgraded WebSocket stays open');
		} finally {
			w.close();
			probing?.close();
			w2?.close();
		}
	});

	test('packets queued during the upgrade arrive over the WebSocket after "5"', async () => {
		const { sid } = await pollingConnect(URL_DEFAULT);
		const w = new RawWs(URL_DEFAULT, `EIO=4&transport=websocket&sid=${sid}`);
		try {
			await w.opened;
			w.send('2probe');
			assert.equal(await w.next(), '3probe');
			const R = room('upq');
			await post(URL_DEFAULT, sid, `42["join",{"roomId":"${R}"}]`);
			const got = [];
			const g = await poll(URL_DEFAULT, sid, { timeout: 2000 });
			got.push(...g.body.split(SEP));
			w.send('5');
			if (!got.some((p) => p.startsWith('42')))
				got.push('42' + JSON.stringify(await w.nextEvent()));
			const joined = got.filter((p) => p.startsWith('42')).map((p) => JSON.parse(p.slice(2)));
			assert.equal(joined.length, 1);
			assert.equal(joined[0][0], 'joined');
		} finally {
			w.close();
		}
	});
});

describe('heartbeat and timeouts (tight server)', { timeout: 30000 }, () => {
	test('websocket: pings every pingInterval; no pong -> closed', async () => {
		const w = await wsConnect(TIGHT, { autoPong: false });
		try {
			for (let i = 0; i < 3; i++) {
				const t0 = Date.now();
				assert.equal(await w.next(1500, { pings: 'deliver' }), '2');
				assert.ok(Date.now() - t0 < 1000, 'ping within pingInterval');
				w.send('3');
			}
			await w.next(1500, { pings: 'deliver' });      // a ping left unanswered
			const t0 = Date.now();
			await w.waitClosed(2000);
			assert.ok(Date.now() - t0 >= 250, 'not closed before pingTimeout');
		} finally {
			w.close();
		}
	});

	test('polling: the ping is a GET body; pong by POST; no pong -> session gone', async () => {
		const { sid } = await pollingConnect(TIGHT);
		for (let i = 0; i < 3; i++) {
			const g = await poll(TIGHT, sid, { timeout: 2000 });
			assert.equal(g.body, '2');
			assert.equal((await post(TIGHT, sid, '3')).status, 200);
		}
		await sleep(1200);
		const g = await poll(TIGHT, sid, { timeout: 2000 });
		assert.equal(g.status, 400);
	});

	test('connect timeout: a session that never CONNECTs is closed', async () => {
		const w = await wsConnect(TIGHT, { connect: false });
		try {
			const t0 = Date.now();
			await w.waitClosed(3000);
			assert.ok(Date.now() - t0 > 500, 'not before the connect timeout');
		} finally {
			w.close();
		}
	});

	test('a CONNECTed session outlives the connect timeout', async () => {
		const w = await wsConnect(TIGHT);
		try {
			await sleep(1600);
			assert.equal(w.closed, false);
			w.send('42["checkRoom",{"roomId":"alive"}]');
			assert.equal((await w.nextEvent())[0], 'checkRoomSuccess');
		} finally {
			w.close();
		}
	});
});

describe('every way of going away is a bye', { timeout: 30000 }, () => {
	async function pair(base, R) {
		const a = await connect(base, 'websocket');
		a.emit('join', { roomId: R });
		await a.next('joined');
		return a;
	}
	const ways = {
		'41 alone (the connection stays)': async (w) => w.send('41'),
		'41 then a close frame': async (w) => { w.send('41'); w.ws.close(); },
		'a close frame': async (w) => w.ws.close(),
		'a bare TCP close': async (w) => w.ws._socket.destroy(),
		'ping timeout (no pong)': async () => {},      // pings are answered only when read
	};
	for (const [how, leave] of Object.entries(ways)) {
		test(how, async () => {
			const base = how.startsWith('ping') ? TIGHT : URL_DEFAULT;
			const R = room('bye');
			const a = await pair(base, R);
			// pings unanswered in the ping timeout case only
			const w = await wsConnect(base, { autoPong: !how.startsWith('ping') });
			try {
				w.send(`42["join",{"roomId":"${R}"}]`);
				if (!how.startsWith('ping'))
					assert.equal((await w.nextEvent())[0], 'joined');
				assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: w.ioSid }]);
				await leave(w);
				assert.deepEqual(await a.next('bye', 4000), [{ roomId: R, userId: w.ioSid }]);
			} finally {
				w.close();
				a.close();
			}
		});
	}

	test('a polling session that stops polling (ping timeout) -> bye', async () => {
		const R = room('byepoll');
		const a = await pair(TIGHT, R);
		try {
			const { sid, ioSid } = await pollingConnect(TIGHT);
			await post(TIGHT, sid, `42["join",{"roomId":"${R}"}]`);
			assert.deepEqual(await a.next('otherjoined'), [{ roomId: R, userId: ioSid }]);
			assert.deepEqual(await a.next('bye', 4000), [{ roomId: R, userId: ioSid }]);
		} finally {
			a.close();
		}
	});
});

describe('CORS and Origin', { timeout: 20000 }, () => {
	test('preflight from the allowed origin', async () => {
		const r = await request(CORS, 'EIO=4&transport=polling', { method: 'OPTIONS', headers: {
			Origin: ORIGIN, 'Access-Control-Request-Method': 'POST',
			'Access-Control-Request-Headers': 'content-type' } });
		assert.ok(r.status === 204 || r.status === 200, `preflight status ${r.status}`);
		assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
		assert.equal(r.headers['access-control-allow-credentials'], 'true');
		assert.match(r.headers['access-control-allow-methods'] || '', /POST/);
		assert.match(r.headers['access-control-allow-headers'] || '', /content-type/i);
	});

	test('polling handshake, POST and GET from the allowed origin carry the CORS headers', async () => {
		const h = await handshake(CORS, { Origin: ORIGIN });
		assert.equal(h.response.headers['access-control-allow-origin'], ORIGIN);
		assert.equal(h.response.headers['access-control-allow-credentials'], 'true');
		const p = await post(CORS, h.sid, '40', { headers: { Origin: ORIGIN } });
		assert.equal(p.status, 200);
		assert.equal(p.headers['access-control-allow-origin'], ORIGIN);
		const g = await poll(CORS, h.sid, { headers: { Origin: ORIGIN } });
		assert.match(g.body, /^40\{"sid"/);
		assert.equal(g.headers['access-control-allow-origin'], ORIGIN);
	});

	test('another origin is not allowed: no CORS grant, WebSocket upgrade refused', async () => {
		const evil = 'http://evil.test:8000';
		const r = await request(CORS, 'EIO=4&transport=polling', { method: 'OPTIONS', headers: {
			Origin: evil, 'Access-Control-Request-Method': 'POST' } });
		assert.notEqual(r.headers['access-control-allow-origin'], evil);
		assert.notEqual(r.headers['access-control-allow-origin'], '*');
		const g = await request(CORS, 'EIO=4&transport=polling', { headers: { Origin: evil } });
		assert.notEqual(g.headers['access-control-allow-origin'], evil);
		const u = await rawUpgrade(CORS, 'EIO=4&transport=websocket', `Origin: ${evil}\r\n`);
		assert.notEqual(u.status, 101, 'WebSocket from a foreign Origin');
		assert.ok(u.status >= 400 && u.status < 500, `upgrade refused with ${u.status}`);
		const ok = await rawUpgrade(CORS, 'EIO=4&transport=websocket', `Origin: ${ORIGIN}\r\n`);
		assert.equal(ok.status, 101, 'WebSocket from the allowed Origin');
	});
});

// The close code the server answers a client's close frame of body (bytes)
// with, on a raw socket (the ws package refuses to send invalid codes); 0
// when its close frame has no code.
function closeAnswer(base, body) {
	const u = new URL(base);
	return new Promise((resolve, reject) => {
		const s = net.connect(Number(u.port), u.hostname);
		let buf = Buffer.alloc(0);
		let upgraded = false;
		const fail = (e) => { s.destroy(); reject(e); };
		s.setTimeout(3000, () => fail(new Error('no close frame within 3 s')));
		s.on('error', fail);
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			if (!upgraded) {
				const i = buf.indexOf('\r\n\r\n');
				if (i < 0)
					return;
				if (!/^HTTP\/1\.1 101 /.test(buf.subarray(0, i).toString()))
					return fail(new Error(`no 101: ${buf.subarray(0, i)}`));
				buf = buf.subarray(i + 4);
				upgraded = true;
				const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
				const masked = Buffer.from(body.map((b, j) => b ^ mask[j % 4]));
				s.write(Buffer.concat([Buffer.from([0x88, 0x80 | body.length]), mask, masked]));
			}
			// Server frames (unmasked) until the close frame.
			for (;;) {
				if (buf.length < 2)
					return;
				let len = buf[1] & 0x7f, off = 2;
				if (len === 126) {
					if (buf.length < 4)
						return;
					len = buf.readUInt16BE(2);
					off = 4;
				}
				if (buf.length < off + len)
					return;
				if ((buf[0] & 0x0f) === 8) {
					s.destroy();
					return resolve(len >= 2 ? buf.readUInt16BE(off) : 0);
				}
				buf = buf.subarray(off + len);
			}
		});
		s.write(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${u.host}\r\n` +
			'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
			'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
	});
}

describe('close frames (RFC 6455 5.5.1, 7.4)', { timeout: 20000 }, () => {
	// The same code back, as engine.io's ws does; but never a code that
	// may not be on the wire: an invalid one, a lone byte or a reason that
	// is not UTF-8 is answered as an error (found by fuzz_sio_ws). No body:
	// 1000, or no code (ws).
	const cases = [
		['no body', [], [1000, 0]],
		['1000', [0x03, 0xe8], 1000],
		['4000 with a reason', [0x0f, 0xa0, 0x62, 0x79, 0x65], 4000],
		['1005 (never on the wire)', [0x03, 0xed], 1002],
		['1006 (never on the wire)', [0x03, 0xee], 1002],
		['1015 (never on the wire)', [0x03, 0xf7], 1002],
		['0', [0x00, 0x00], 1002],
		['2999 (unassigned)', [0x0b, 0xb7], 1002],
		['a lone byte', [0x03], 1002],
		['a reason that is not UTF-8', [0x03, 0xe8, 0xff, 0xfe], 1007],
	];
	for (const [what, body, want] of cases) {
		test(`${what} -> ${want}`, async () => {
			const code = await closeAnswer(URL_DEFAULT, body);
			assert.ok([want].flat().includes(code), `answered ${code}`);
		});
	}
});
