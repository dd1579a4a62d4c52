/* The way out of a Socket.IO socket (events, acks, refusals) and
 * connection state recovery (socket.io v4.6+ with
 * connectionStateRecovery, learnt from its socket.ts, namespace.ts and the
 * in-memory adapter's persistSession/restoreSession): the CONNECT reply
 * carries a private session id, {"sid","pid"}; every event the server
 * sends carries an offset as its last argument; a client whose connection
 * was lost reconnects with {pid, offset} in its CONNECT and, within
 * resume-window, gets its socket id back (recovered) and every event it
 * missed after that offset, in order, before the CONNECT reply.
 *
 * On the room engine this is its resume window with the socket kept: a
 * held socket's member stays in its room (the others see no bye), events
 * to it are logged here with their offsets, and when the window passes it
 * leaves (bye). The log of a connected socket keeps what the client may
 * not have read yet: an Engine.IO pong proves every packet before its
 * ping was read (one transport, in order), so the log is trimmed at each
 * pong to what was sent before the previous one. Bounded: ws-max-output
 * per socket, all of it in signaling-max-queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "conf/conf.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_sio.h"
#include "util/log.h"

struct sio_logent {
	struct sio_logent *next;
	uint64_t off;
	size_t len;     /* of the packet text at data */
	size_t n_blobs; /* then, for each: a size_t length and its bytes */
	size_t cost;    /* what it counts in the budgets */
	char data[];
};

bool sio_recovery_on(const struct signaling_sio *app)
{
	const struct conf *c = app->server->conf;

	return !c->no_socketio_recovery && c->resume_window > 0;
}

static void count(struct sio_sock *k, size_t add, size_t sub)
{
	struct signaling_sio *app = k->app;

	app->recovery_bytes += add;
	app->recovery_bytes -= sub;
	signaling_budget_add(app->server, add);
	signaling_budget_sub(app->server, sub);
}

/* ---- the log ---- */

static void log_drop_head(struct sio_sock *k)
{
	struct sio_logent *e = k->log_head;

	k->log_head = e->next;
	if (!k->log_head)
		k->log_tail = NULL;
	k->log_bytes -= e->cost;
	count(k, 0, e->cost);
	if (k->log_base < e->off)
		k->log_base = e->off;
	free(e);
}

/* Entries up to off are read: no recovery from before it. */
static void log_trim(struct sio_sock *k, uint64_t off)
{
	while (k->log_head && k->log_head->off <= off)
		log_drop_head(k);
	if (k->log_base < off)
		k->log_base = off;
}

static void log_free(struct sio_sock *k)
{
	while (k->log_head)
		log_drop_head(k);
}

static struct sio_logent *entry_new(uint64_t off, const char *pkt, size_t len,
				    const struct room_blob *blobs, size_t n_blobs)
{
	size_t size = sizeof(struct sio_logent) + len;
	struct sio_logent *e;
	char *p;

	for (size_t i = 0; i < n_blobs; i++)
		size += sizeof(size_t) + blobs[i].len;
	e = malloc(size);
	if (!e)
		return NULL;
	e->next = NULL;
	e->off = off;
	e->len = len;
	e->n_blobs = n_blobs;
	e->cost = size;
	memcpy(e->data, pkt, len);
	p = e->data + len;
	for (size_t i = 0; i < n_blobs; i++) {
		memcpy(p, &blobs[i].len, sizeof(size_t));
		if (blobs[i].len)
			memcpy(p + sizeof(size_t), blobs[i].p, blobs[i].len);
		p += sizeof(size_t) + blobs[i].len;
	}
	return e;
}

/* Keeps an event for a recovery, within ws-max-output: a connected
 * socket forgets its oldest (a recovery from before them is refused); a
 * held one that would overflow is ended at the next cron (a recovery that
 * missed some events would not be one). */
static void log_keep(struct sio_sock *k, uint64_t off, const char *pkt, size_t len,
		     const struct room_blob *blobs, size_t n_blobs)
{
	size_t cap = k->app->server->conf->ws_max_output;
	struct sio_logent *e;

	if (k->ending || k->held_over)
		return;
	e = entry_new(off, pkt, len, blobs, n_blobs);
	if (!e || e->cost > cap || (k->held && k->log_bytes + e->cost > cap)) {
		free(e);
		if (k->held)
			k->held_over = true; /* a gap: no recovery now */
		else
			log_trim(k, off); /* nobody recovers from before it */
		return;
	}
	while (k->log_head && k->log_bytes + e->cost > cap)
		log_drop_head(k);
	if (k->log_tail)
		k->log_tail->next = e;
	else
		k->log_head = e;
	k->log_tail = e;
	k->log_bytes += e->cost;
	count(k, e->cost, 0);
}

static void send_entry(struct sio_sock *k, const struct sio_logent *e)
{
	const char *p = e->data + e->len;
	size_t n;

	if (!k->eio)
		return;
	eio_session_send(k->eio, false, e->data, e->len);
	for (size_t i = 0; i < e->n_blobs && k->eio; i++) {
		memcpy(&n, p, sizeof(size_t));
		eio_session_send(k->eio, true, p + sizeof(size_t), n);
		p += sizeof(size_t) + n;
	}
}

/* ---- events out ---- */

/* Where the offset goes: before the array's closing bracket. */
static size_t closing_bracket(const char *args, size_t len)
{
	while (len && (args[len - 1] == ' ' || args[len - 1] == '\t' ||
		       args[len - 1] == '\r' || args[len - 1] == '\n'))
		len--;
	return len && args[len - 1] == ']' && len >= 2 ? len - 1 : SIZE_MAX;
}

void sio_send_event(struct sio_sock *k, const char *head, size_t head_len,
		    const char *args, size_t len, const struct room_blob *blobs,
		    size_t n_blobs)
{
	bool on = k->pid[0] && sio_recovery_on(k->app);
	size_t at = on ? closing_bracket(args, len) : SIZE_MAX;
	char off[24];
	int n = 0;
	size_t total;
	char *pkt;

	if (at != SIZE_MAX)
		n = snprintf(off, sizeof(off), ",\"%llu\"",
			     (unsigned long long)k->next_off);
	total = head_len + len + (size_t)n;
	pkt = malloc(total ? total : 1);
	if (!pkt)
		return;
	memcpy(pkt, head, head_len);
	if (at == SIZE_MAX) {
		memcpy(pkt + head_len, args, len);
	} else {
		memcpy(pkt + head_len, args, at);
		memcpy(pkt + head_len + at, off, (size_t)n);
		memcpy(pkt + head_len + at + (size_t)n, args + at, len - at);
		log_keep(k, k->next_off++, pkt, total, blobs, n_blobs);
	}
	if (k->eio) {
		eio_session_send(k->eio, false, pkt, total);
		for (size_t i = 0; i < n_blobs && k->eio; i++)
			eio_session_send(k->eio, true, blobs[i].p, blobs[i].len);
	}
	free(pkt);
}

/* 42["event", data]: data is consumed. */
void sio_emit(struct sio_sock *k, const char *event, json_t *data)
{
	json_t *args = json_pack("[s, o]", event, data);
	char *text = args ? json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	if (text)
		sio_send_event(k, "2", 1, text, strlen(text), NULL, 0);
	free(text);
	json_decref(args);
}

/* 43<id>[result]: result is consumed. */
void sio_ack(struct sio_sock *k, bool has_ack, uint64_t id, json_t *result)
{
	char head[32], *text, *pkt;
	int h;
	size_t n;

	if (!has_ack) {
		json_decref(result);
		return;
	}
	json_t *arr = json_pack("[o]", result);

	h = sio_head_write(head, sizeof(head), SIO_ACK, 0, NULL, true, id);
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (h < 0 || !text) {
		free(text);
		return;
	}
	n = strlen(text);
	pkt = malloc((size_t)h + n + 1);
	if (pkt) {
		memcpy(pkt, head, (size_t)h);
		memcpy(pkt + h, text, n + 1);
		if (k->eio)
			eio_session_send(k->eio, false, pkt, (size_t)h + n);
	}
	free(pkt);
	free(text);
}

/* A refusal: the ack gets {ok:false, code, message} when one was asked,
 * otherwise the socket gets an "error" event {code, message}. */
void sio_refuse(struct sio_sock *k, bool has_ack, uint64_t id, const char *code,
		const char *message)
{
	if (has_ack)
		sio_ack(k, true, id,
			json_pack("{s:b, s:s, s:s}", "ok", 0, "code", code, "message",
				  message));
	else
		sio_emit(k, "error",
			 json_pack("{s:s, s:s}", "code", code, "message", message));
}

void sio_accept(struct sio_sock *k, bool has_ack, uint64_t id)
{
	sio_ack(k, has_ack, id, json_pack("{s:b}", "ok", 1));
}

/* ---- sockets by pid ---- */

static uint64_t pid_hash(const struct signaling_sio *app, const char *pid)
{
	return htable_hash(&app->pids, pid, EIO_ID_LEN);
}

static void table_add(struct sio_sock *k)
{
	htable_insert(&k->app->pids, &k->pid_node, pid_hash(k->app, k->pid));
	k->in_table = true;
}

static void table_remove(struct sio_sock *k)
{
	if (!k->in_table)
		return;
	htable_remove(&k->app->pids, &k->pid_node);
	k->in_table = false;
}

static struct sio_sock *sock_of(struct htable_node *n)
{
	return HTABLE_ENTRY(n, struct sio_sock, pid_node);
}

/* The socket of pid, held or connected: compared in constant time. */
static struct sio_sock *table_find(struct signaling_sio *app, const char *pid)
{
	uint64_t h;

	if (strlen(pid) != EIO_ID_LEN)
		return NULL;
	h = pid_hash(app, pid);
	for (struct htable_node *n = htable_first(&app->pids, h); n;
	     n = htable_next(n, h))
		if (!CRYPTO_memcmp(sock_of(n)->pid, pid, EIO_ID_LEN))
			return sock_of(n);
	return NULL;
}

const char *sio_recovery_pid(struct sio_sock *k)
{
	if (!sio_recovery_on(k->app))
		return "";
	if (!k->pid[0]) {
		if (!eio_random_id(k->pid)) {
			OPENSSL_cleanse(k->pid, sizeof(k->pid));
			return "";
		}
		table_add(k);
		k->next_off = 1;
		k->log_base = k->pong_mark = 0;
	}
	return k->pid;
}

void sio_recovery_pong(struct sio_sock *k)
{
	if (!k->pid[0])
		return;
	log_trim(k, k->pong_mark);
	k->pong_mark = k->next_off - 1;
}

/* ---- held sockets ---- */

static void unhold(struct sio_sock *k)
{
	if (!k->held)
		return;
	k->held = false;
	k->app->n_held--;
	count(k, 0, sizeof(*k));
}

bool sio_recovery_hold(struct sio_sock *k)
{
	struct signaling_sio *app = k->app;
	struct signaling_server *s = app->server;

	if (!k->connected || !k->in_table || !sio_recovery_on(app))
		return false;
	k->connected = false;
	k->held = true;
	k->held_in_room = room_peer_room(k->peer) != NULL;
	k->held_until_ms = s->now_ms + (uint64_t)s->conf->resume_window * 1000u;
	if (k->timer)
		evtimer_del(k->timer);
	app->n_held++;
	count(k, sizeof(*k), 0);
	return true;
}

/* The offsets are decimal: anything else is no offset of ours. */
static bool parse_offset(const char *o, uint64_t *out)
{
	uint64_t v = 0;

	if (!o[0] || strlen(o) > 19)
		return false;
	for (; *o; o++) {
		if (*o < '0' || *o > '9')
			return false;
		v = v * 10 + (uint64_t)(*o - '0');
	}
	*out = v;
	return true;
}

/* Whether k can give back everything sent after off. */
static bool can_serve(const struct sio_sock *k, const char *off, uint64_t *offset)
{
	return parse_offset(off, offset) && *offset >= k->log_base &&
	       *offset < k->next_off && !k->held_over;
}

/* Leaves the room (bye to the others) and frees h. */
static void held_end(struct sio_sock *h)
{
	struct signaling_server *s = h->app->server;

	unhold(h);
	table_remove(h);
	h->ending = true;
	if (room_peer_room(h->peer))
		room_leave(s->rooms, h->peer);
	sio_sock_discard(h);
}

/* A client back before the server noticed its loss (a connection that
 * died silently: no FIN, pings not yet late): the pid and an offset its
 * socket can serve prove it is that socket's client, so the old session
 * is given up now as lost, as a takeover of a resume token does. */
static bool take_over(struct sio_sock *h)
{
	if (!h->connected || !h->eio)
		return false;
	log_debug("Socket.IO: a socket's client is back on a new session: the old "
		  "one is lost");
	sio_sock_hold(h);
	eio_session_close(h->eio, "transport error");
	sio_sock_release(h);
	return h->held;
}

struct sio_sock *sio_recovery_take(struct signaling_sio *app, json_t *auth,
				   uint64_t *offset)
{
	const char *pid = json_string_value(json_object_get(auth, "pid"));
	const char *off = json_string_value(json_object_get(auth, "offset"));
	struct sio_sock *h;

	/* socket.io restores only with both (namespace.ts _createSocket). */
	if (!pid || !off || !(h = table_find(app, pid)))
		return NULL;
	if (!h->held) {
		/* A live socket is given up only to a client that can
		 * recover it; otherwise it is left alone. */
		if (!can_serve(h, off, offset) || !take_over(h))
			return NULL;
	} else if (!can_serve(h, off, offset) ||
		   app->server->now_ms >= h->held_until_ms ||
		   (h->held_in_room && !room_peer_room(h->peer))) {
		log_info("Socket.IO: recovery of a held socket refused (offset or "
			 "window): it leaves, the client gets a new session");
		held_end(h);
		return NULL;
	}
	unhold(h);
	return h;
}

void sio_recovery_resume(struct sio_sock *k, struct sio_sock *h, uint64_t offset,
			 json_t *auth)
{
	struct eio_session *s = k->eio;
	char reply[96];
	int n;

	eio_session_set_app_ctx(s, h);
	h->eio = s;
	k->eio = NULL;
	sio_sock_discard(k);
	h->connected = true;
	h->app->counters.connects++;
	json_decref(h->auth);
	h->auth = json_incref(auth);
	log_trim(h, offset);
	h->pong_mark = offset;
	sio_sock_hold(h);
	/* The missed events, as first sent, then the reply (socket.ts: the
	 * constructor replays, _onconnect writes the CONNECT). */
	for (const struct sio_logent *e = h->log_head; e && h->eio; e = e->next)
		send_entry(h, e);
	n = snprintf(reply, sizeof(reply), "0{\"sid\":\"%s\",\"pid\":\"%s\"}", h->id,
		     h->pid);
	if (h->eio)
		eio_session_send(h->eio, false, reply, (size_t)n);
	if (room_peer_room(h->peer))
		sio_schedule_ice(h);
	log_debug("Socket.IO: a held socket recovered (%zu held)", h->app->n_held);
	sio_sock_release(h);
}

void sio_recovery_reset(struct sio_sock *k)
{
	unhold(k);
	table_remove(k);
	log_free(k);
	OPENSSL_cleanse(k->pid, sizeof(k->pid));
	k->next_off = k->log_base = k->pong_mark = 0;
}

/* Held sockets, for a walk that may end them: collected first. */
static size_t held_list(struct signaling_sio *app, struct sio_sock **v, size_t cap)
{
	struct htable_iter it = { 0 };
	struct htable_node *node;
	size_t n = 0;

	while (n < cap && (node = htable_iter_next(&app->pids, &it)))
		if (sock_of(node)->held)
			v[n++] = sock_of(node);
	return n;
}

void sio_recovery_cron(struct signaling_sio *app)
{
	uint64_t now = app->server->now_ms;
	struct sio_sock **v;
	size_t n;

	if (!app->n_held || !(v = malloc(app->n_held * sizeof(*v))))
		return;
	n = held_list(app, v, app->n_held);
	/* Ending one delivers bye to others, which holds or frees none of
	 * those collected (only a cron or a shed ends a held socket). */
	for (size_t i = 0; i < n; i++)
		if (now >= v[i]->held_until_ms || v[i]->held_over ||
		    (v[i]->held_in_room && !room_peer_room(v[i]->peer)))
			held_end(v[i]);
	free(v);
}

void sio_recovery_free_all(struct signaling_sio *app)
{
	struct htable_node *n;
	size_t cursor = 0;

	/* Ending one may end others: drain (reset takes each out). */
	while ((n = htable_drain_next(&app->pids, &cursor))) {
		struct sio_sock *k = sock_of(n);

		sio_recovery_reset(k);
		if (!k->eio)
			sio_sock_discard(k);
	}
	htable_fini(&app->pids);
}

void signaling_sio_trim_logs(struct signaling_server *s)
{
	for (struct sio_sock *k = s->sio ? s->sio->socks : NULL; k; k = k->next)
		if (!k->held && k->log_tail)
			log_trim(k, k->log_tail->off);
}

size_t signaling_sio_shed_recovery(struct signaling_server *s, size_t min_bytes)
{
	struct signaling_sio *app = s->sio;
	struct sio_sock *big = NULL;
	struct htable_iter it = { 0 };
	struct htable_node *n;
	size_t before;

	if (!app || !app->n_held)
		return 0;
	before = app->recovery_bytes;
	while ((n = htable_iter_next(&app->pids, &it))) {
		struct sio_sock *k = sock_of(n);

		if (k->held && k->log_bytes + sizeof(*k) >= min_bytes &&
		    (!big || k->log_bytes > big->log_bytes))
			big = k;
	}
	if (!big)
		return 0;
	log_warn_limited(&s->slow_log, "signaling-max-queued exceeded: a held Socket.IO "
				       "socket ended (its members get bye)");
	held_end(big);
	return before - app->recovery_bytes;
}
