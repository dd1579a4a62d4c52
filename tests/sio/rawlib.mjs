// Raw Engine.IO v4 / Socket.IO v5 exchanges for the protocol tests: one HTTP
// request per TCP connection (node:http, no agent), WebSocket through the
// pinned `ws` package (any text or binary frame, nothing added), and a raw
// socket for upgrade requests whose refusal we want to read.
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';

export const SEP = '\x1e';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// request(base, query, {method, headers, body, timeout}) ->
//   {status, headers, body (string)}; rejects on a reset or a timeout.
// A body is sent with Content-Length, as browsers and socket.io-client do;
// o.chunked sends it with Transfer-Encoding: chunked instead.
export function request(base, query, o = {}) {
	const u = new URL(base);
	const len = o.body !== undefined && !o.chunked ? { 'Content-Length': Buffer.byteLength(o.body) } : {};
	return new Promise((resolve, reject) => {
		const req = http.request({
			host: u.hostname, port: u.port, method: o.method || 'GET', agent: false,
			path: '/socket.io/' + (query ? '?' + query : ''),
			headers: { Connection: 'close', ...len, ...(o.headers || {}) },
			timeout: o.timeout || 5000,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
				body: Buffer.concat(chunks).toString('utf8') }));
			res.on('error', reject);
		});
		req.on('timeout', () => req.destroy(new Error(`${o.method || 'GET'} ?${query} timed out`)));
		req.on('error', reject);
		if (o.body !== undefined)
			req.write(o.body);
		req.end();
	});
}

export const poll = (base, sid, o) => request(base, `EIO=4&transport=polling&sid=${sid}`, o);
export const post = (base, sid, body, o = {}) => request(base, `EIO=4&transport=polling&sid=${sid}`,
	{ ...o, method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...(o.headers || {}) } });

// The polling handshake: the open packet's JSON.
export async function handshake(base, headers) {
	const r = await request(base, 'EIO=4&transport=polling', { headers });
	if (r.status !== 200 || r.body[0] !== '0')
		throw new Error(`handshake: ${r.status} ${r.body}`);
	return { ...JSON.parse(r.body.slice(1)), response: r };
}

// Handshake, CONNECT to "/" and read the CONNECT reply: {sid, ioSid}.
export async function pollingConnect(base) {
	const { sid } = await handshake(base);
	const p = await post(base, sid, '40');
	if (p.status !== 200)
		throw new Error(`POST 40: ${p.status}`);
	const g = await poll(base, sid);
	const m = /^40(\{.*\})$/.exec(g.body);
	if (!m)
		throw new Error(`CONNECT reply: ${g.status} ${JSON.stringify(g.body)}`);
	return { sid, ioSid: JSON.parse(m[1]).sid };
}

// Polls until the session is gone (400 {"code":1}), accepting only close (1)
// and noop (6) packets meanwhile. Returns the bodies seen before the 400.
export async function pollUntilGone(base, sid, ms = 3000) {
	const end = Date.now() + ms;
	const seen = [];
	while (Date.now() < end) {
		let r;
		try {
			r = await poll(base, sid, { timeout: Math.max(200, end - Date.now()) });
		} catch (e) {
			seen.push(`error: ${e.message}`);
			continue;
		}
		if (r.status === 400)
			return { last: r, seen };
		seen.push(r.body);
		if (r.status !== 200 || r.body.split(SEP).some((p) => p !== '1' && p !== '6'))
			throw new Error(`session still alive: ${r.status} ${JSON.stringify(r.body)}`);
	}
	throw new Error(`session not closed within ${ms} ms (saw ${JSON.stringify(seen)})`);
}

// A raw WebSocket with a message queue. Text frames arrive as strings,
// binary frames as Buffers. autoPong (default) answers each ping "2" with
// "3" as it arrives and keeps it out of the queue.
export class RawWs {
	constructor(base, query, headers = {}, { autoPong = true, localAddress } = {}) {
		this.autoPong = autoPong;
		this.q = [];
		this.waiters = [];
		this.closed = false;
		this.ws = new WebSocket(base.replace(/^http/, 'ws') + '/socket.io/?' + query,
			{ headers, perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
		this.ws.on('message', (data, isBinary) => {
			if (this.autoPong && !isBinary && data.toString() === '2') {
				this.send('3');
				return;
			}
			this.q.push(isBinary ? Buffer.from(data) : data.toString());
			this._wake();
		});
		this.closedP = new Promise((resolve) => {
			this._closed = (code, reason) => {
				if (this.closed)
					return;
				this.closed = true;
				this.closeCode = code;
				this._wake();
				resolve({ code, reason });
			};
			this.ws.on('close', (code, reason) => this._closed(code, reason.toString()));
		});
		this.ws.on('error', (e) => { this.error = e; });
		this.opened = new Promise((resolve, reject) => {
			this.ws.once('open', resolve);
			this.ws.once('unexpected-response', (req, res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					// a refused upgrade: no session, nothing more to wait for
					this.refused = res.statusCode;
					req.destroy();
					this._closed(0, `refused ${res.statusCode}`);
					reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`),
						{ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
				});
			});
			this.ws.once('error', reject);
		});
	}

	_wake() {
		for (const w of [...this.waiters])
			w();
	}

	send(data) {
		this.ws.send(data);
	}

	// Next frame. Without autoPong, pings "2" are delivered (pings:
	// 'deliver'), skipped ('ignore') or answered and skipped ('answer').
	next(ms = 3000, { pings = 'deliver' } = {}) {
		return new Promise((resolve, reject) => {
			const look = () => {
				while (this.q.length) {
					const m = this.q.shift();
					if (m === '2' && pings === 'answer') {
						this.send('3');
						continue;
					}
					if (m === '2' && pings === 'ignore')
						continue;
					done();
					resolve(m);
					return true;
				}
				if (this.closed) {
					done();
					reject(new Error(`connection closed (${this.closeCode}) while waiting for a frame`));
					return true;
				}
				return false;
			};
			const t = setTimeout(() => { done(); reject(new Error(`no frame within ${ms} ms`)); }, ms);
			const done = () => {
				clearTimeout(t);
				this.waiters = this.waiters.filter((x) => x !== look);
			};
			if (!look())
				this.waiters.push(look);
		});
	}

	// Next Socket.IO EVENT frame "42[...]": its parsed array.
	async nextEvent(ms = 3000) {
		const end = Date.now() + ms;
		for (;;) {
			const m = await this.next(Math.max(1, end - Date.now()));
			if (typeof m === 'string' && m.startsWith('42'))
				return JSON.parse(m.slice(2));
		}
	}

	async waitClosed(ms = 3000) {
		return Promise.race([this.closedP, sleep(ms).then(() => {
			throw new Error(`connection not closed within ${ms} ms`);
		})]);
	}

	close() {
		this.ws.terminate();
	}
}

// Opens a WebSocket session (no sid), reads the open packet, CONNECTs.
export async function wsConnect(base, { connect = true, autoPong = true, auth, localAddress } = {}) {
	const w = new RawWs(base, 'EIO=4&transport=websocket', {}, { autoPong, localAddress });
	await w.opened;
	const open = await w.next();
	if (typeof open !== 'string' || open[0] !== '0')
		throw new Error(`first frame is not an open packet: ${open}`);
	w.open = JSON.parse(open.slice(1));
	if (connect) {
		w.send('40' + (auth ? JSON.stringify(auth) : ''));
		const r = await w.next();
		const m = /^40(\{.*\})$/.exec(r);
		if (!m)
			throw new Error(`CONNECT reply: ${r}`);
		w.ioSid = JSON.parse(m[1]).sid;
	}
	return w;
}

// A WebSocket upgrade request on a plain socket: {status, body} of a refusal
// (or status 101).
export function rawUpgrade(base, query, extra = '') {
	const u = new URL(base);
	return new Promise((resolve, reject) => {
		const s = net.connect(Number(u.port), u.hostname);
		let buf = Buffer.alloc(0);
		const finish = () => {
			const text = buf.toString();
			const m = /^HTTP\/1\.1 (\d+)/.exec(text);
			const i = text.indexOf('\r\n\r\n');
			resolve({ status: m ? Number(m[1]) : 0, head: i < 0 ? text : text.slice(0, i),
				body: i < 0 ? '' : text.slice(i + 4) });
		};
		s.setTimeout(3000, () => { s.destroy(); finish(); });
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			const text = buf.toString();
			const i = text.indexOf('\r\n\r\n');
			const len = /\r\ncontent-length: *(\d+)/i.exec(text);
			// 101, or a refusal read whole (the server may keep the connection)
			if (/^HTTP\/1\.1 101/.test(text) || (i >= 0 && len && buf.length >= i + 4 + Number(len[1]))) {
				s.destroy();
				finish();
			}
		});
		s.on('end', finish);
		s.on('error', (e) => (buf.length ? finish() : reject(e)));
		s.write(`GET /socket.io/?${query} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
			'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
			`Sec-WebSocket-Version: 13\r\n${extra}\r\n`);
	});
}

// The data of a chunked response body (the reference server answers so).
function unchunk(t) {
	let out = '';
	for (let i = 0; ;) {
		const eol = t.indexOf('\r\n', i);
		const n = eol < 0 ? 0 : parseInt(t.slice(i, eol), 16);
		if (!n)
			return out;
		out += t.slice(eol + 2, eol + 2 + n);
		i = eol + 2 + n + 2;
	}
}

// An HTTP request written by hand in pieces on one socket, gapMs apart (so
// each piece arrives in its own read): {status, head, body} of the answer,
// read whole by its Content-Length, or what came before the server closed
// (status 0 when nothing). Pieces are strings or Buffers; the first one
// starts with the request line.
export function rawHttp(base, pieces, { gapMs = 150, timeout = 4000 } = {}) {
	const u = new URL(base);
	return new Promise((resolve) => {
		const s = net.connect(Number(u.port), u.hostname);
		let buf = Buffer.alloc(0);
		let done = false;
		const finish = () => {
			if (done)
				return;
			done = true;
			s.destroy();
			const text = buf.toString();
			const m = /^HTTP\/1\.1 (\d+)/.exec(text);
			const i = text.indexOf('\r\n\r\n');
			const head = i < 0 ? text : text.slice(0, i);
			let body = i < 0 ? '' : text.slice(i + 4);
			if (/\r\ntransfer-encoding: *chunked/i.test(head))
				body = unchunk(body);
			resolve({ status: m ? Number(m[1]) : 0, head, body });
		};
		s.setTimeout(timeout, finish);
		s.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			const text = buf.toString();
			const i = text.indexOf('\r\n\r\n');
			const len = /\r\ncontent-length: *(\d+)/i.exec(text);
			if (i >= 0 && len && buf.length >= i + 4 + Number(len[1]))
				finish();
			else if (i >= 0 && /\r\ntransfer-encoding: *chunked/i.test(text.slice(0, i)) &&
				/(^|\r\n)0\r\n\r\n$/.test(text.slice(i + 4)))
				finish();
		});
		s.on('end', finish);
		s.on('close', finish);
		s.on('error', finish);
		s.once('connect', async () => {
			for (const [k, p] of pieces.entries()) {
				if (k)
					await sleep(gapMs);
				if (done || s.destroyed)
					return;
				s.write(p);
			}
		});
	});
}
