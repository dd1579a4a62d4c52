// The reference server: npm socket.io 4.8 running the room server of
// seed 003 (join/joined/otherjoined/full/message/leave/leaved/bye, capacity 2)
// plus seed 000's checkRoom/checkRoomSuccess, userLeave and the relay of every
// other event to the sender's room. It is the oracle of tests/sio: each test
// runs against it (TARGET=ref) to prove the test right before it judges
// turnroom. Test code, written from the seeds' descriptions.
//
// Deliberate differences from the seed's published code, each matching what
// the recorded wire (shared/reference/socketio-wire.md section 7) shows or
// what issue 9 asks of turnroom:
//   - a refused joiner is not counted: `full` carries the members present
//     (userNum 2 on the wire; the seed code would say 3 and keep a ghost);
//   - no console.log per event (it would dominate the benchmark);
//   - acks: an emit that asks for one is acked once handled (issue 9);
//   - a native /ws endpoint speaking turnroom's {"event","data"} framing
//     (doc/signaling.md) meets socket.io members in the same rooms, so the
//     mixed-room test has an oracle too.
// --mode=seed003 runs the seed 003 server code as published instead (socket.io
// rooms, socket.to(roomId).emit), minus its console.log calls: the benchmark's
// opponent.
//
// Usage: node ref-server.mjs [--port=N] [--host=127.0.0.1] [--ping-interval=MS]
//   [--ping-timeout=MS] [--max-payload=BYTES] [--connect-timeout=MS]
//   [--allowed-origin=ORIGIN]... [--token-secret=S] [--capacity=2]
//   [--mode=oracle|seed003] [--ice-secret=S --ice-url=turn:HOST:PORT]
//   [--recovery=MS]
// --recovery=MS turns socket.io's connectionStateRecovery on
// (maxDisconnectionDuration MS, middlewares skipped on a recovery) and gives
// the oracle turnroom's room semantics for it (doc/signaling.md, "Connection
// state recovery"): a socket lost without a goodbye (ping timeout, transport
// error, a WebSocket gone without a close frame) keeps its member in its
// rooms for MS, the others see no bye, and what is sent to it meanwhile is
// what socket.io replays; a recovered socket takes its member back; when MS
// passes the member leaves (bye). A goodbye (41, a close packet, a close
// frame) leaves at once.
// --ice-secret adds TURN REST credentials (username "expiry:userId",
// credential base64(HMAC-SHA1(S, username))) to joined as `iceServers`, as
// turnroom does, so the browser tests' pages can run against this server.
// Prints "listening PORT" on stdout once it accepts connections.
import http from 'node:http';
import crypto from 'node:crypto';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';

const opts = { port: 0, host: '127.0.0.1', mode: 'oracle', capacity: 2, origins: [] };
for (const a of process.argv.slice(2)) {
	const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
	if (!m)
		throw new Error(`bad argument ${a}`);
	const [, k, v] = m;
	if (k === 'allowed-origin')
		opts.origins.push(v);
	else
		opts[k.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = v;
}
const num = (v, d) => (v === undefined ? d : Number(v));

const httpServer = http.createServer((req, res) => {
	if (req.url === '/healthz') {
		res.writeHead(200, { 'Content-Type': 'text/plain' });
		res.end('ok');
	} else if (!res.headersSent && !req.url.startsWith('/socket.io/')) {
		res.writeHead(404);
		res.end();
	}
});

// Origin check on every handshake, WebSocket included (CORS covers only the
// browser's polling requests; issue 9: "Origin checks apply to the WebSocket
// too"). A request without Origin (not a browser) passes.
const allowRequest = opts.origins.length ? (req, cb) => {
	const o = req.headers.origin;
	cb(o && !opts.origins.includes(o) ? 'Forbidden' : null, !o || opts.origins.includes(o));
} : undefined;

const io = new Server(httpServer, {
	pingInterval: num(opts.pingInterval, 25000),
	pingTimeout: num(opts.pingTimeout, 20000),
	maxHttpBufferSize: num(opts.maxPayload, 1e6),
	connectTimeout: num(opts.connectTimeout, 45000),
	serveClient: true,
	...(opts.origins.length ? { cors: { origin: opts.origins, credentials: true }, allowRequest } : {}),
	...(opts.recovery ? { connectionStateRecovery: {
		maxDisconnectionDuration: Number(opts.recovery), skipMiddlewares: true } } : {}),
});

// ---- signaling-auth=token: HS256 JWT (RFC 7519) with exp, as turnroom-admin mints
function tokenOk(token, secret) {
	if (typeof token !== 'string')
		return false;
	const parts = token.split('.');
	if (parts.length !== 3)
		return false;
	const mac = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest('base64url');
	if (mac.length !== parts[2].length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts[2])))
		return false;
	try {
		const head = JSON.parse(Buffer.from(parts[0], 'base64url'));
		const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
		return head.alg === 'HS256' && typeof claims.exp === 'number' && claims.exp > Date.now() / 1000;
	} catch {
		return false;
	}
}
if (opts.tokenSecret) {
	io.use((socket, next) => next(tokenOk(socket.handshake.auth && socket.handshake.auth.token,
		opts.tokenSecret) ? undefined : new Error('unauthorized')));
}

if (opts.mode === 'seed003')
	seed003(io);
else
	oracle(io, num(opts.capacity, 2));

httpServer.listen(Number(opts.port), opts.host, () => {
	console.log(`listening ${httpServer.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));

// ---- the seed 003 server as published (console.log calls removed)
function seed003(io) {
	const MaxUserNum = 2;
	const roomsInfo = {};
	const userRoomInfo = {};
	io.sockets.on('connection', socket => {
		socket.on('message', ({ roomId, data }) => {
			socket.to(roomId).emit('message', data);
		});
		socket.on('join', ({ roomId }) => {
			if (!roomId) return;
			socket.join(roomId);
			if (!roomsInfo[roomId]) {
				roomsInfo[roomId] = {};
			}
			roomsInfo[roomId][socket.id] = socket;
			if (!userRoomInfo[socket.id]) {
				userRoomInfo[socket.id] = [];
			}
			userRoomInfo[socket.id].push(roomId);
			let userNum = Object.keys(roomsInfo[roomId]).length;
			if (userNum <= MaxUserNum) {
				socket.emit('joined', { roomId, userNum });
				if (userNum > 1) {
					socket.to(roomId).emit('otherjoined', { roomId, userId: socket.id });
				}
			} else {
				socket.leave(roomId);
				socket.emit('full', { roomId, userNum });
			}
		});
		const onLeave = ({ roomId }) => {
			if (!roomId) return;
			socket.leave(roomId);
			roomsInfo[roomId] && roomsInfo[roomId][socket.id] && delete roomsInfo[roomId][socket.id];
			userRoomInfo[socket.id] &&
				(userRoomInfo[socket.id] = userRoomInfo[socket.id].filter(id => id !== roomId));
			socket.to(roomId).emit('bye', { roomId, userId: socket.id });
			socket.emit('leaved', { roomId });
		};
		socket.on('leave', onLeave);
		socket.on('disconnect', () => {
			if (userRoomInfo[socket.id]) {
				userRoomInfo[socket.id].forEach(roomId => {
					onLeave({ roomId });
				});
				delete userRoomInfo[socket.id];
			}
		});
	});
}

// ---- the oracle: one room engine for socket.io and native members
// A member: { id, rooms: Set, emit(event, ...args), relay(from, data) }.
function oracle(io, capacity) {
	const rooms = new Map();            // roomId -> Map(id -> member)

	const others = (m, roomId) => [...(rooms.get(roomId) || new Map()).values()].filter((x) => x !== m);

	function join(m, { roomId } = {}) {
		if (!roomId)
			return;
		const room = rooms.get(roomId) || new Map();
		if (room.has(m.id)) {
			m.emit('joined', { roomId, userNum: room.size });
			return;
		}
		if (room.size >= capacity) {
			m.emit('full', { roomId, userNum: room.size });
			return;
		}
		room.set(m.id, m);
		rooms.set(roomId, room);
		m.rooms.add(roomId);
		m.emit('joined', { roomId, userNum: room.size, ...iceExtra(m) });
		if (room.size > 1)
			for (const o of others(m, roomId))
				o.emit('otherjoined', { roomId, userId: m.id });
	}

	function leave(m, { roomId } = {}, quiet = false) {
		if (!roomId)
			return;
		const room = rooms.get(roomId);
		if (room) {
			room.delete(m.id);
			if (room.size === 0)
				rooms.delete(roomId);
		}
		m.rooms.delete(roomId);
		for (const o of others(m, roomId))
			o.emit('bye', { roomId, userId: m.id });
		if (!quiet)
			m.emit('leaved', { roomId });
	}

	// seed 003: socket.to(roomId).emit('message', data): data only, to the others
	function message(m, { roomId, data } = {}) {
		for (const o of others(m, roomId))
			o.relay(m, data);
	}

	function checkRoom(m, { roomId } = {}) {
		const n = (rooms.get(roomId) || new Map()).size;
		if (n >= capacity)
			m.emit('full', { roomId, userNum: n });
		else
			m.emit('checkRoomSuccess', { roomId, userNum: n, capacity });
	}

	function iceExtra(m) {
		if (!opts.iceSecret)
			return {};
		const username = `${Math.floor(Date.now() / 1000) + 3600}:${m.id}`;
		const credential = crypto.createHmac('sha1', opts.iceSecret).update(username).digest('base64');
		return { iceServers: [{ urls: [opts.iceUrl], username, credential }] };
	}

	const handlers = { join, leave, userLeave: leave, message, checkRoom };

	const held = new Map();             // socket id -> { m, timer }: lost, kept

	// Lost without a goodbye: a WebSocket that closed without a close frame
	// (ws reports 1006) is one, though engine.io calls it "transport close".
	const wsCodes = new WeakMap();
	const watchWs = (socket, t) => {
		if (t && t.name === 'websocket' && t.socket)
			t.socket.on('close', (code) => wsCodes.set(socket, code));
	};
	const lost = (socket, reason) => reason === 'ping timeout' || reason === 'transport error' ||
		(reason === 'transport close' && wsCodes.get(socket) === 1006);

	io.on('connection', (socket) => {
		const back = socket.recovered && held.get(socket.id);
		if (back) {
			clearTimeout(back.timer);
			held.delete(socket.id);
		}
		// With recovery, io.to(id).emit is stored with an offset (and
		// replayed) whether the socket is connected or held.
		const to = (id) => (opts.recovery ? io.to(id) : socket);
		const m = back ? back.m : {
			id: socket.id, rooms: new Set(),
			emit: (ev, ...args) => to(socket.id).emit(ev, ...args),
			relay: (from, data) => to(socket.id).emit('message', data),
			relayAny: (ev, args) => to(socket.id).emit(ev, ...args),
		};
		watchWs(socket, socket.conn.transport);
		socket.conn.on('upgrade', (t) => watchWs(socket, t));
		socket.onAny((ev, ...args) => {
			const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
			const h = Object.hasOwn(handlers, ev) ? handlers[ev] : null;
			if (h) {
				const a = args[0];
				h(m, a && typeof a === 'object' ? a : {});
			} else {
				// seed 000: every other event goes to the other members unchanged
				for (const roomId of m.rooms)
					for (const o of others(m, roomId))
						if (o.relayAny)
							o.relayAny(ev, args);
			}
			if (ack)
				ack();
		});
		socket.on('disconnect', (reason) => {
			const gone = () => {
				for (const roomId of [...m.rooms])
					leave(m, { roomId }, true);
			};
			if (!opts.recovery) {
				gone();
				return;
			}
			// ws's close event (its code) comes after engine.io's.
			setImmediate(() => {
				if (!lost(socket, reason)) {
					gone();
					return;
				}
				held.set(m.id, { m, timer: setTimeout(() => {
					held.delete(m.id);
					gone();
				}, Number(opts.recovery)) });
			});
		});
	});

	// native members: {"event": NAME, "data": {...}} text frames (doc/signaling.md)
	const wss = new WebSocketServer({ noServer: true });
	httpServer.on('upgrade', (req, sock, head) => {
		if (new URL(req.url, 'http://x').pathname !== '/ws')
			return;
		wss.handleUpgrade(req, sock, head, (ws) => native(ws));
	});
	function native(ws) {
		const m = {
			id: crypto.randomBytes(16).toString('hex'), rooms: new Set(),
			emit: (event, data) => ws.send(JSON.stringify({ event, data: event === 'joined' ?
				{ ...data, userId: m.id } : data })),
			relay: (from, data) => ws.send(JSON.stringify({ event: 'message', from: from.id,
				data: data === undefined ? null : data })),
		};
		ws.on('message', (buf) => {
			let msg;
			try {
				msg = JSON.parse(buf.toString());
			} catch {
				return;
			}
			const h = msg && Object.hasOwn(handlers, msg.event) ? handlers[msg.event] : null;
			if (h)
				h(m, msg.data && typeof msg.data === 'object' ? msg.data : {});
		});
		ws.on('close', () => {
			for (const roomId of [...m.rooms])
				leave(m, { roomId }, true);
		});
	}
}
