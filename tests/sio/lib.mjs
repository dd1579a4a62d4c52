// Helpers of the tests/sio node tests (node --test). The servers are started
// by tests/interop/test_socketio.sh, which passes their URLs:
//   TARGET          "ref" (tests/sio/ref-server.mjs, the oracle) or "turnroom"
//   SIO_URL         a server with default settings (http://127.0.0.1:PORT)
//   SIO_TOKEN_URL   signaling-auth=token; SIO_TOKEN a valid join token,
//                   SIO_BAD_TOKEN one signed with another secret
//   SIO_TOKEN2_URL  another such server, for the refused CONNECTs
//   SIO_TIGHT_URL   ping interval/timeout 400 ms, max payload 2000 bytes,
//                   connect timeout 1000 ms
//   SIO_CORS_URL    allowed-origin=$SIO_ORIGIN
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export const TARGET = process.env.TARGET || 'ref';
export const TURNROOM = TARGET === 'turnroom';
export const URL_DEFAULT = need('SIO_URL');

export function need(name) {
	const v = process.env[name];
	if (!v)
		throw new Error(`${name} not set: run tests/interop/test_socketio.sh`);
	return v;
}

export const MODES = {
	websocket: { transports: ['websocket'] },
	polling: { transports: ['polling'] },
	default: {},
};

let roomSeq = 0;
export const room = (tag) => `sio-${tag}-${process.pid}-${++roomSeq}`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A socket.io-client that records every event it receives, in order, and
// lets a test wait for the next one of a given name.
export class Client {
	constructor(url, mode, extra = {}) {
		this.log = [];               // [event, ...args]
		this.waiters = [];
		this.socket = io(url, { ...MODES[mode], reconnection: false, forceNew: true,
			timeout: 5000, ...extra });
		this.socket.onAny((ev, ...args) => {
			this.log.push([ev, ...args]);
			this._wake();
		});
		this.socket.on('connect', () => {
			this.log.push(['connect']);
			this._wake();
		});
		this.socket.on('connect_error', (e) => {
			this.log.push(['connect_error', e]);
			this._wake();
		});
		this.socket.on('disconnect', (reason) => {
			this.log.push(['disconnect', reason]);
			this._wake();
		});
	}

	get id() {
		return this.socket.id;
	}

	_wake() {
		for (const w of [...this.waiters])
			w();
	}

	// Resolves with the args of the first not yet consumed `ev` event.
	next(ev, ms = 5000) {
		return new Promise((resolve, reject) => {
			const look = () => {
				const i = this.log.findIndex((e) => e[0] === ev && !e.taken);
				if (i < 0)
					return false;
				this.log[i].taken = true;
				done();
				resolve(this.log[i].slice(1));
				return true;
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`no "${ev}" within ${ms} ms; received: ` +
					this.log.map((e) => e[0]).join(', ')));
			}, ms);
			const w = () => look();
			const done = () => {
				clearTimeout(timer);
				this.waiters = this.waiters.filter((x) => x !== w);
			};
			if (!look())
				this.waiters.push(w);
		});
	}

	// next(ev) without the offset that ends every event when the server
	// has connection state recovery on (the CONNECT reply gave a pid).
	async nextBare(ev, ms) {
		const args = await this.next(ev, ms);
		if (this.socket._pid) {
			assert.equal(typeof args[args.length - 1], 'string', `an offset ends ${ev}`);
			return args.slice(0, -1);
		}
		return args;
	}

	async connected() {
		if (this.socket.connected)
			return;
		const [first] = await Promise.race([this.next('connect'), this.next('connect_error')
			.then((a) => { throw new Error(`connect_error: ${a[0] && a[0].message}`); })]);
		return first;
	}

	emit(ev, ...args) {
		this.socket.emit(ev, ...args);
	}

	// Events named `ev` received so far (not consumed).
	seen(ev) {
		return this.log.filter((e) => e[0] === ev);
	}

	close() {
		this.socket.disconnect();
	}
}

export async function connect(url, mode, extra) {
	const c = new Client(url, mode, extra);
	await c.connected();
	if (mode === 'default') {
		// The default mode upgrades to WebSocket after the polling handshake.
		const eng = c.socket.io.engine;
		if (eng.transport.name !== 'websocket')
			await new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error('no upgrade to websocket within 5 s')), 5000);
				eng.once('upgrade', () => { clearTimeout(t); resolve(); });
			});
	}
	const want = mode === 'polling' ? 'polling' : 'websocket';
	assert.equal(c.socket.io.engine.transport.name, want, `transport of mode ${mode}`);
	return c;
}

// The seed's payload of `joined` is {roomId, userNum}; turnroom adds userId,
// capacity, peers, iceServers, iceTtl (and the /ws resume fields). The seed
// fields must deep-equal; the extras are type-checked on turnroom only.
export function checkJoined(payload, expect, client) {
	if (!TURNROOM) {
		assert.deepEqual(payload, expect);
		return;
	}
	const seed = Object.fromEntries(Object.keys(expect).map((k) => [k, payload[k]]));
	assert.deepEqual(seed, expect);
	assert.equal(payload.userId, client.id, 'joined.userId is the Socket.IO id');
	assert.equal(payload.capacity, 2, 'joined.capacity');
	assert.ok(Array.isArray(payload.peers), 'joined.peers is an array');
	assert.equal(payload.peers.length, expect.userNum - 1, 'joined.peers: the other members');
	for (const p of payload.peers)
		assert.equal(typeof p, 'string', 'joined.peers[] are userIds');
	checkIceServers(payload.iceServers);
	assert.ok(Number.isInteger(payload.iceTtl) && payload.iceTtl > 0, 'joined.iceTtl');
}

export function checkIceServers(ice) {
	assert.ok(Array.isArray(ice) && ice.length > 0, 'iceServers is a non-empty array');
	const turn = ice.filter((s) => [].concat(s.urls).some((u) => /^turns?:/.test(u)));
	assert.ok(turn.length > 0, 'iceServers has a turn: entry');
	for (const s of turn) {
		assert.equal(typeof s.username, 'string');
		assert.equal(typeof s.credential, 'string');
	}
}

// Asserts `client` received no `ev` event during the next `ms`.
export async function none(client, ev, ms = 300) {
	await sleep(ms);
	assert.deepEqual(client.seen(ev).filter((e) => !e.taken).map((e) => e.slice(1)), [],
		`unexpected "${ev}"`);
}

export function closeAll(...clients) {
	for (const c of clients)
		if (c)
			c.close();
}

// A TCP proxy in front of a server, to make network blips: blip() destroys
// every connection through it at once (no WebSocket close frame, no close
// packet: the server sees the TCP connections end, the client its transport
// fail); freeze() drops what the server sends from then on (packets lost in
// flight). holdUpgrades() keeps the WebSocket upgrades of polling sessions
// waiting (their requests are not passed on yet); blipOnUpgrade() lets them
// go and blips as the server accepts one (its 101 is not passed on), while
// the session's long poll is pending: a drop during an upgrade.
export async function blipProxy(url) {
	const net = await import('node:net');
	const target = new URL(url);
	const pairs = new Set();
	const p = { frozen: false, upgradeBlip: false, holding: false };
	const held = [];                    // [s, data] of upgrades kept waiting
	const server = net.createServer((c) => {
		const s = net.connect(Number(target.port), target.hostname);
		const pair = { c, s };
		let first = true, upgrade = false;
		pairs.add(pair);
		const end = () => {
			pairs.delete(pair);
			c.destroy();
			s.destroy();
		};
		c.on('data', (d) => {
			if (first) {
				const head = d.toString('latin1');
				upgrade = /transport=websocket/.test(head) && /[?&]sid=/.test(head);
				first = false;
			}
			if (upgrade && p.holding)
				held.push([s, d]);
			else
				s.write(d);
		});
		s.on('data', (d) => {
			if (upgrade && p.upgradeBlip && d.toString('latin1').startsWith('HTTP/1.1 101')) {
				p.upgradeBlip = false;
				p.blip();
				p.upgradeBlipped();
				return;
			}
			if (!p.frozen)
				c.write(d);
		});
		for (const x of [c, s]) {
			x.on('close', end);
			x.on('error', end);
		}
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	p.url = `http://127.0.0.1:${server.address().port}`;
	p.freeze = () => { p.frozen = true; };
	// strand(): the client's side of every connection ends; the server's
	// stays open and silent, as a connection whose network went away
	// without a FIN (the server notices only when its pings go unanswered).
	const stranded = [];
	p.strand = () => {
		for (const pair of [...pairs]) {
			pairs.delete(pair);
			for (const x of [pair.c, pair.s]) {
				x.removeAllListeners('data');
				x.removeAllListeners('close');
				x.on('data', () => {});
			}
			pair.s.on('error', () => {});
			stranded.push(pair.s);
			pair.c.destroy();
		}
	};
	p.blip = () => {
		for (const { c, s } of [...pairs]) {
			c.destroy();
			s.destroy();
		}
		pairs.clear();
		p.frozen = false;
	};
	p.holdUpgrades = () => { p.holding = true; };
	p.blipOnUpgrade = () => new Promise((resolve) => {
		p.upgradeBlip = true;
		p.upgradeBlipped = resolve;
		p.holding = false;
		for (const [s, d] of held.splice(0))
			s.write(d);
	});
	p.close = () => {
		p.blip();
		for (const s of stranded.splice(0))
			s.destroy();
		server.close();
	};
	return p;
}
