/*
 * turnroom.js: a client for turnroom's room server (doc/signaling.md).
 * An ES module with no dependencies; import it from the server that serves it:
 *
 *   import { TurnRoom } from '/turnroom.js';
 *   const room = new TurnRoom();            // ws(s)://<this host>/ws
 *   room.addEventListener('otherjoined', (e) => console.log('peer', e.detail.userId));
 *   room.addEventListener('message', (e) => console.log(e.detail.from, e.detail.data));
 *   const joined = await room.join('myroom');
 *   const pc = new RTCPeerConnection({ iceServers: room.iceServers });
 *
 * new TurnRoom(url?)   url defaults to ws://HOST/ws (wss:// on an https page).
 * connect()            opens the WebSocket; resolves when open. join() calls it.
 * join(roomId, {resumeToken, username, password, token})
 *                      resolves with the `joined` data; rejects with an Error
 *                      whose .code is the server's error code, or 'full'.
 *                      username/password for signaling-auth=user, token (a JWT)
 *                      for signaling-auth=token; they are kept for resumes.
 * send(data, to?)      relays data (any JSON value) to the others in the room,
 *                      or only to userId `to`. Queued while resuming.
 * leave()              leaves the room (no resume after that).
 * checkRoom(roomId)    resolves with {roomId, userNum, capacity, full}.
 * refreshIce()         asks for fresh TURN credentials; resolves with the
 *                      next `iceServers` data (rejects if the connection
 *                      is down or closes first).
 * close()              leaves and closes the connection for good.
 *
 * Properties: url, roomId, userId, peers (userIds of the others), capacity,
 * iceServers (always the latest list, ready for RTCPeerConnection), iceExpiry
 * (ms since the epoch when those credentials expire, 0 if unknown), resumeToken.
 *
 * Events (CustomEvent; the server's data is in event.detail):
 *   joined, otherjoined, full, message ({roomId, data, from}), leaved, bye,
 *   iceServers, error ({code, message}), checkRoomSuccess, close ({code,
 *   reason, resuming}), reconnecting ({attempt, delay}).
 *
 * Resume: when the connection drops while in a room, TurnRoom reconnects with
 * backoff and sends join with the last resumeToken; the server gives the same
 * userId and slot back (`joined` with resumed: true) and the messages sent to
 * it meanwhile. Past the server's resume window it gets `bad-resume` and
 * joins afresh (a `joined` with a new userId and resumed: false).
 */

const JOIN_ERRORS = new Set(['unauthorized', 'bad-room-id', 'already-in-room',
	'bad-request', 'bad-resume', 'rate-limited']);
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 10000;

function defaultUrl() {
	const scheme = globalThis.location && location.protocol === 'https:' ? 'wss://' : 'ws://';
	return scheme + location.host + '/ws';
}

function errorOf(code, message) {
	const err = new Error(message || code);
	err.code = code;
	return err;
}

export class TurnRoom extends EventTarget {
	constructor(url = defaultUrl()) {
		super();
		this.url = url;
		this.ws = null;
		this.roomId = null;
		this.userId = null;
		this.peers = [];
		this.capacity = 0;
		this.iceServers = [];
		this.iceExpiry = 0;
		this.resumeToken = null;
		this._auth = {};
		this._pending = [];   // requests awaiting a reply, oldest first
		this._iceWaiters = []; // refreshIce() calls awaiting iceServers
		this._queue = [];     // messages sent while resuming
		this._resuming = false;
		this._attempt = 0;
		this._timer = null;
		this._opening = null;
	}

	get connected() {
		return !!this.ws && this.ws.readyState === WebSocket.OPEN;
	}

	connect() {
		if (this.connected)
			return Promise.resolve();
		if (this._opening)
			return this._opening;
		this._opening = new Promise((resolve, reject) => {
			const ws = new WebSocket(this.url);
			this.ws = ws;
			ws.onopen = () => {
				this._opening = null;
				resolve();
			};
			ws.onmessage = (e) => this._receive(e.data);
			ws.onclose = (e) => {
				if (this._opening && this.ws === ws) {
					this._opening = null;
					reject(errorOf('connect-failed', 'cannot connect to ' + this.url));
				}
				if (this.ws === ws)
					this._closed(e);
			};
		});
		return this._opening;
	}

	async join(roomId, { resumeToken, username, password, token } = {}) {
		await this.connect();
		this._auth = { username, password, token };
		return new Promise((resolve, reject) => {
			this._pending.push({ kind: 'join', roomId, resolve, reject });
			this._sendJoin(roomId, resumeToken);
		});
	}

	send(data, to) {
		if (!this.roomId)
			throw errorOf('not-in-room', 'join a room first');
		const msg = { roomId: this.roomId, data };
		if (to)
			msg.to = to;
		if (this._resuming || !this.connected)
			this._queue.push(msg); // sent once resumed
		else
			this._emit('message', msg);
	}

	leave() {
		if (this.roomId && this.connected)
			this._emit('leave', { roomId: this.roomId });
		this._forget();
	}

	async checkRoom(roomId) {
		await this.connect();
		return new Promise((resolve, reject) => {
			this._pending.push({ kind: 'check', roomId, resolve, reject });
			this._emit('checkRoom', { roomId });
		});
	}

	refreshIce() {
		if (!this.connected)
			return Promise.reject(errorOf('not-connected', 'no connection to the server'));
		return new Promise((resolve, reject) => {
			this._iceWaiters.push({ resolve, reject });
			this._emit('refreshIce', {});
		});
	}

	close() {
		this.leave();
		if (this.ws) {
			const ws = this.ws;
			this.ws = null;
			ws.close(1000);
			this._fire('close', { code: 1000, reason: 'closed', resuming: false });
		}
		this._failPending(errorOf('closed', 'connection closed'));
	}

	/* ---- internals ---- */

	_emit(event, data) {
		if (this.connected)
			this.ws.send(JSON.stringify({ event, data }));
	}

	_fire(name, detail) {
		this.dispatchEvent(new CustomEvent(name, { detail }));
	}

	_sendJoin(roomId, resumeToken) {
		const data = { roomId };
		if (resumeToken)
			data.resumeToken = resumeToken;
		for (const k of ['username', 'password', 'token'])
			if (this._auth[k] !== undefined)
				data[k] = this._auth[k];
		this._emit('join', data);
	}

	_forget() {
		this.roomId = null;
		this.userId = null;
		this.peers = [];
		this.resumeToken = null;
		this._resuming = false;
		this._queue = [];
		clearTimeout(this._timer);
		this._timer = null;
	}

	_take(kind, roomId) {
		const i = this._pending.findIndex((p) => (!kind || p.kind === kind) &&
			(roomId === undefined || p.roomId === roomId));
		return i < 0 ? null : this._pending.splice(i, 1)[0];
	}

	_failPending(err) {
		const pending = this._pending.concat(this._iceWaiters);
		this._pending = [];
		this._iceWaiters = [];
		for (const p of pending)
			p.reject(err);
	}

	_receive(text) {
		let msg;
		try {
			msg = JSON.parse(text);
		} catch {
			return;
		}
		if (!msg || typeof msg.event !== 'string')
			return;
		// A relayed message's data is the sender's value as is (any
		// JSON); the sender's id travels beside it in the envelope.
		const d = msg.event === 'message'
			? { roomId: this.roomId, from: msg.from, data: msg.data }
			: msg.data || {};
		const handler = this['_on_' + msg.event];
		if (handler)
			handler.call(this, d);
		this._fire(msg.event, d);
	}

	_on_joined(d) {
		this.roomId = d.roomId;
		this.userId = d.userId;
		this.peers = Array.isArray(d.peers) ? d.peers.slice() : [];
		this.capacity = d.capacity;
		this.resumeToken = d.resumeToken || null;
		this._setIce(d.iceServers, d.iceTtl);
		if (this._resuming) {
			this._resuming = false;
			this._attempt = 0;
			const queue = this._queue;
			this._queue = [];
			for (const m of queue)
				this._emit('message', m);
			return;
		}
		const p = this._take('join');
		if (p)
			p.resolve(d);
	}

	_on_otherjoined(d) {
		if (!this.peers.includes(d.userId))
			this.peers.push(d.userId);
	}

	_on_bye(d) {
		this.peers = this.peers.filter((id) => id !== d.userId);
	}

	_on_leaved() {
		this._forget();
	}

	_on_full(d) {
		const p = this._take(null, d.roomId);
		if (!p)
			return;
		if (p.kind === 'check')
			p.resolve({ ...d, full: true });
		else
			p.reject(errorOf('full', 'room ' + d.roomId + ' is full'));
	}

	_on_checkRoomSuccess(d) {
		const p = this._take('check', d.roomId);
		if (p)
			p.resolve({ ...d, full: false });
	}

	_on_iceServers(d) {
		this._setIce(d.iceServers, d.ttl);
		const waiters = this._iceWaiters;
		this._iceWaiters = [];
		for (const w of waiters)
			w.resolve(d);
	}

	_setIce(servers, ttl) {
		if (!Array.isArray(servers))
			return;
		this.iceServers = servers;
		this.iceExpiry = typeof ttl === 'number' && ttl > 0 ? Date.now() + ttl * 1000 : 0;
	}

	_on_error(d) {
		if (this._resuming && d.code === 'bad-resume') {
			// Our slot is gone (resume window passed): join afresh.
			this.resumeToken = null;
			this._sendJoin(this.roomId);
			return;
		}
		if (JOIN_ERRORS.has(d.code)) {
			const p = this._take('join');
			if (p)
				p.reject(errorOf(d.code, d.message));
		}
	}

	_closed(e) {
		this.ws = null;
		const resuming = !!this.roomId && !!this.resumeToken;
		this._failPending(errorOf('closed', 'connection closed'));
		this._fire('close', { code: e.code, reason: e.reason, resuming });
		if (resuming)
			this._scheduleResume();
	}

	_scheduleResume() {
		this._resuming = true;
		const delay = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this._attempt) *
			(0.75 + Math.random() / 2);
		this._attempt++;
		this._fire('reconnecting', { attempt: this._attempt, delay });
		this._timer = setTimeout(async () => {
			this._timer = null;
			if (!this.roomId)
				return;
			try {
				await this.connect();
			} catch {
				return; // _closed already scheduled the next attempt
			}
			this._sendJoin(this.roomId, this.resumeToken);
		}, delay);
	}
}
