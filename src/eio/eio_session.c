/* Engine.IO sessions: the table by sid, the outgoing queue of a polling
 * session, heartbeats (v4: the server pings, "Heartbeat"), and closing. A
 * session is named by its sid only, never by a TCP connection: a browser
 * sends its polls on whichever keep-alive connection is free. */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "eio/eio_internal.h"
#include "util/clock.h"
#include "util/log.h"

#define EIO_INITIAL_BUCKETS 256

bool eio_random_id(char out[EIO_ID_LEN + 1])
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t raw[15];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return false;
	for (size_t i = 0, o = 0; i < sizeof(raw); i += 3) {
		uint32_t w =
			(uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		for (int k = 3; k >= 0; k--)
			out[o++] = tab[(w >> (6 * k)) & 63];
	}
	out[EIO_ID_LEN] = '\0';
	return true;
}

static uint64_t sid_hash(const struct eio_server *e, const char *sid)
{
	return htable_hash(&e->sessions, sid, strlen(sid));
}

struct eio_session *eio_session_find(struct eio_server *e, const char *sid)
{
	uint64_t h = sid_hash(e, sid);

	for (struct htable_node *n = htable_first(&e->sessions, h); n;
	     n = htable_next(n, h)) {
		struct eio_session *s = HTABLE_ENTRY(n, struct eio_session, node);

		if (!strcmp(s->sid, sid))
			return s;
	}
	return NULL;
}

static void table_remove(struct eio_server *e, struct eio_session *s)
{
	htable_remove(&e->sessions, &s->node);
	e->n_sessions--;
	eio_sources_remove(e->sources, &s->peer);
}

/* ---- heartbeat ---- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct eio_session *s = arg;

	if (s->awaiting_pong) {
		log_info("Engine.IO session: no pong within %u ms: closed",
			 s->srv->cfg.ping_timeout_ms);
		eio_session_end(s, "ping timeout", false);
		return;
	}
	s->awaiting_pong = true;
	evtimer_add(s->timer, s->srv->tv_timeout);
	eio_session_push(s, false, "2", 1);
}

static void on_pong(struct eio_session *s)
{
	/* engine.io counts the next interval from the pong. */
	if (!s->awaiting_pong)
		return;
	s->awaiting_pong = false;
	evtimer_add(s->timer, s->srv->tv_interval);
	if (s->app_ctx && s->srv->app_ops->pong)
		s->srv->app_ops->pong(s->app_ctx);
}

void eio_session_set_app_ctx(struct eio_session *s, void *ctx)
{
	s->app_ctx = ctx;
}

/* ---- lifecycle ---- */

struct eio_session *eio_session_new(struct eio_server *e, const struct eio_request *req,
				    enum eio_transport t)
{
	struct eio_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->srv = e;
	s->peer = *req->peer;
	s->transport = t;
	s->host = strdup(req->host ? req->host : "");
	s->timer = evtimer_new(e->base, timer_cb, s);
	s->rate_tokens_milli = 2000u * e->cfg.rate;
	s->rate_last_ms = clock_mono_ms();
	if (!s->host || !s->timer || !eio_random_id(s->sid) ||
	    !eio_sources_add(e->sources, &s->peer))
		goto fail;
	evtimer_add(s->timer, e->tv_interval);
	htable_insert(&e->sessions, &s->node, sid_hash(e, s->sid));
	e->n_sessions++;
	e->counters.opened++;
	return s;
fail:
	if (s->timer)
		event_free(s->timer);
	free(s->host);
	free(s);
	return NULL;
}

bool eio_session_open_app(struct eio_session *s)
{
	s->app_ctx = s->srv->app_ops->open(s->srv->app, s);
	if (!s->app_ctx) {
		eio_session_end(s, "refused by the application", false);
		return false;
	}
	return true;
}

/* ---- the global budget: every byte a session holds is reported ---- */

static void account(struct eio_server *e, size_t added, size_t removed)
{
	e->queued += added;
	e->queued -= removed;
	if (e->budget && (added || removed))
		e->budget(e->budget_ctx, added, removed);
}

void eio_server_set_budget(struct eio_server *e, eio_budget_fn fn, void *ctx)
{
	e->budget = fn;
	e->budget_ctx = ctx;
}

void eio_session_charge(struct eio_session *s, size_t n)
{
	if (s->closed)
		return;
	s->charged += n;
	account(s->srv, n, 0);
}

void eio_session_uncharge(struct eio_session *s, size_t n)
{
	if (n > s->charged)
		n = s->charged;
	s->charged -= n;
	account(s->srv, 0, n);
}

size_t eio_session_queued(const struct eio_session *s)
{
	return s->q_bytes + s->charged;
}

size_t eio_server_queued(const struct eio_server *e)
{
	return e->queued;
}

/* A scan of every session: only when the budget is exceeded. */
struct eio_session *eio_server_largest(const struct eio_server *e)
{
	struct eio_session *best = NULL;
	struct htable_iter it = { 0 };
	struct htable_node *n;

	while ((n = htable_iter_next(&e->sessions, &it))) {
		struct eio_session *s = HTABLE_ENTRY(n, struct eio_session, node);

		if (eio_session_queued(s) &&
		    (!best || eio_session_queued(s) > eio_session_queued(best)))
			best = s;
	}
	return best;
}

static void queue_free(struct eio_session *s)
{
	account(s->srv, 0, s->q_bytes);
	while (s->q_head) {
		struct eio_pkt *next = s->q_head->next;

		free(s->q_head);
		s->q_head = next;
	}
	s->q_tail = NULL;
	s->q_bytes = 0;
}

static void session_free(struct eio_session *s)
{
	queue_free(s);
	if (s->timer)
		event_free(s->timer);
	free(s->poll_headers);
	free(s->host);
	free(s);
}

void eio_session_hold(struct eio_session *s)
{
	s->busy++;
}

void eio_session_release(struct eio_session *s)
{
	if (--s->busy == 0 && s->closed)
		session_free(s);
}

void eio_session_end(struct eio_session *s, const char *reason, bool by_client)
{
	struct eio_server *e = s->srv;
	void *ctx = s->app_ctx;

	if (s->closed)
		return;
	s->closed = true;
	e->counters.closed[eio_close_reason_of(reason)]++;
	table_remove(e, s);
	evtimer_del(s->timer);
	s->app_ctx = NULL;
	if (ctx)
		e->app_ops->closed(ctx, reason);
	if (s->poll_get) {
		void *conn = s->poll_get;

		s->poll_get = NULL;
		eio_count_out(e, 1);
		/* A client's own close gets the noop it waits for; otherwise a
		 * close packet tells the client the session is over. */
		e->conn->reply(conn, 200, "text/plain; charset=UTF-8",
			       s->poll_headers ? s->poll_headers : "",
			       by_client ? "6" : "1", 1);
		e->conn->detach(conn);
	}
	if (s->ws) {
		void *conn = s->ws;

		s->ws = NULL;
		e->conn->ws_close(conn);
		e->conn->detach(conn);
	}
	/* Nothing is sent any more: the budget gets its bytes back now,
	 * even while a dispatch frame keeps the session itself. */
	queue_free(s);
	eio_session_uncharge(s, s->charged);
	if (!s->busy)
		session_free(s);
}

void eio_session_close(struct eio_session *s, const char *reason)
{
	eio_session_end(s, reason, false);
}

/* ---- the way out ---- */

bool eio_session_push(struct eio_session *s, bool binary, const void *p, size_t len)
{
	struct eio_pkt *pkt;

	if (s->closed)
		return false;
	if (s->transport == EIO_T_WEBSOCKET && s->ws) {
		eio_count_out(s->srv, len);
		s->srv->conn->ws_send(s->ws, binary, p, len);
		return true;
	}
	if (s->q_bytes + len > s->srv->cfg.max_queued) {
		log_info("Engine.IO session: %zu bytes queued for a client that does not "
			 "poll: closed",
			 s->q_bytes);
		eio_session_end(s, "queue full", false);
		return false;
	}
	pkt = malloc(sizeof(*pkt) + len);
	if (!pkt)
		return false;
	pkt->next = NULL;
	pkt->binary = binary;
	pkt->len = len;
	if (len)
		memcpy(pkt->data, p, len);
	if (s->q_tail)
		s->q_tail->next = pkt;
	else
		s->q_head = pkt;
	s->q_tail = pkt;
	s->q_bytes += len;
	account(s->srv, len, 0);
	eio_count_out(s->srv, len);
	if (!s->upgrading && !s->batching)
		eio_session_flush_poll(s, false);
	return true;
}

bool eio_session_send(struct eio_session *s, bool binary, const void *p, size_t len)
{
	uint8_t *buf;
	bool ok;

	if (s->closed)
		return false;
	if (binary)
		return eio_session_push(s, true, p, len);
	/* "4" + text: the message packet. */
	buf = malloc(len + 1);
	if (!buf)
		return false;
	buf[0] = '4';
	memcpy(buf + 1, p, len);
	ok = eio_session_push(s, false, buf, len + 1);
	free(buf);
	return ok;
}

/* v4 "Payload": packets joined by 0x1E; a binary one as "b" + base64. */
static uint8_t *encode_queue(struct eio_session *s, size_t *out_len)
{
	size_t total = 0, o = 0;
	uint8_t *out;

	for (struct eio_pkt *p = s->q_head; p; p = p->next)
		total += (p->binary ? 1 + eio_base64_len(p->len) : p->len) + 1;
	out = malloc(total ? total : 1);
	if (!out)
		return NULL;
	for (struct eio_pkt *p = s->q_head; p; p = p->next) {
		if (o)
			out[o++] = EIO_SEPARATOR;
		if (p->binary) {
			out[o++] = 'b';
			eio_base64_encode(p->data, p->len, (char *)out + o);
			o += eio_base64_len(p->len);
		} else {
			memcpy(out + o, p->data, p->len);
			o += p->len;
		}
	}
	*out_len = o;
	return out;
}

void eio_session_flush_poll(struct eio_session *s, bool force)
{
	void *conn = s->poll_get;
	uint8_t *body;
	size_t len;

	if (!conn || (!s->q_head && !force))
		return;
	if (!s->q_head) {
		body = NULL;
		len = 0;
	} else if (!(body = encode_queue(s, &len))) {
		return;
	}
	s->poll_get = NULL;
	if (!body)
		eio_count_out(s->srv, 1);
	/* Never an empty body: the client reads it as an error packet. */
	s->srv->conn->reply(conn, 200, "text/plain; charset=UTF-8",
			    s->poll_headers ? s->poll_headers : "",
			    body ? (void *)body : "6", body ? len : 1);
	s->srv->conn->detach(conn);
	if (body)
		queue_free(s);
	free(body);
}

void eio_session_flush_ws(struct eio_session *s)
{
	struct eio_pkt *q = s->q_head;

	account(s->srv, 0, s->q_bytes);
	s->q_head = s->q_tail = NULL;
	s->q_bytes = 0;
	while (q) {
		struct eio_pkt *next = q->next;

		if (s->ws && !s->closed)
			s->srv->conn->ws_send(s->ws, q->binary, q->data, q->len);
		free(q);
		q = next;
	}
}

/* ---- the way in ---- */

bool eio_session_rate_ok(struct eio_session *s)
{
	uint64_t now = clock_mono_ms(), rate = s->srv->cfg.rate, cap = 2000u * rate;
	uint64_t tokens = s->rate_tokens_milli + (now - s->rate_last_ms) * rate;

	s->rate_last_ms = now;
	s->rate_tokens_milli = (uint32_t)(tokens > cap ? cap : tokens);
	if (s->rate_tokens_milli < 1000u)
		return false;
	s->rate_tokens_milli -= 1000u;
	return true;
}

static bool deliver_message(struct eio_session *s, const struct eio_packet *pkt)
{
	ssize_t n;
	uint8_t *buf;

	if (!pkt->b64) {
		s->srv->app_ops->message(s->app_ctx, false, pkt->data, pkt->len);
		return true;
	}
	n = eio_base64_decode(pkt->data, pkt->len, NULL, 0);
	if (n < 0)
		return false;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf)
		return false;
	eio_base64_decode(pkt->data, pkt->len, buf, (size_t)n);
	s->srv->app_ops->message(s->app_ctx, true, buf, (size_t)n);
	free(buf);
	return true;
}

bool eio_session_dispatch(struct eio_session *s, const struct eio_packet *pkt)
{
	if (s->closed)
		return true;
	s->srv->counters.packets_in++;
	if (!eio_session_rate_ok(s)) {
		s->srv->counters.rate_limited++;
		log_info("Engine.IO session over %u packets/s: closed", s->srv->cfg.rate);
		eio_session_end(s, "rate limit", false);
		return true;
	}
	switch (pkt->type) {
	case EIO_PONG:
		on_pong(s);
		return true;
	case EIO_MESSAGE:
		return s->app_ctx ? deliver_message(s, pkt) : true;
	case EIO_CLOSE:
		eio_session_end(s, "client close", true);
		return true;
	case EIO_NOOP:
	case EIO_PING: /* v4 clients do not ping outside a probe */
		return true;
	case EIO_OPEN:
	case EIO_UPGRADE:
		break;
	}
	return false;
}

const char *eio_session_sid(const struct eio_session *s)
{
	return s->sid;
}

const struct tr_addr *eio_session_peer(const struct eio_session *s)
{
	return &s->peer;
}

const char *eio_session_host(const struct eio_session *s)
{
	return s->host;
}

void eio_count_out(struct eio_server *e, size_t len)
{
	e->counters.packets_out++;
	e->counters.bytes_out += len;
}

void eio_session_note_too_large(struct eio_session *s)
{
	s->srv->counters.too_large++;
}

bool eio_session_websocket(const struct eio_session *s)
{
	return s->transport == EIO_T_WEBSOCKET;
}

size_t eio_open_packet(const struct eio_session *s, char *out, size_t cap)
{
	int n = snprintf(out, cap,
			 "0{\"sid\":\"%s\",\"upgrades\":%s,\"pingInterval\":%u,"
			 "\"pingTimeout\":%u,\"maxPayload\":%zu}",
			 s->sid, s->transport == EIO_T_POLLING ? "[\"websocket\"]" : "[]",
			 s->srv->cfg.ping_interval_ms, s->srv->cfg.ping_timeout_ms,
			 s->srv->cfg.max_payload);

	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ---- the server ---- */

static void set_config(struct eio_server *e, const struct eio_config *cfg)
{
	struct timeval iv = { cfg->ping_interval_ms / 1000,
			      (cfg->ping_interval_ms % 1000) * 1000 };
	struct timeval tv = { cfg->ping_timeout_ms / 1000,
			      (cfg->ping_timeout_ms % 1000) * 1000 };

	e->cfg = *cfg;
	if (!e->cfg.rate)
		e->cfg.rate = 1;
	/* Every session waits the same durations: libevent's common
	 * timeouts keep them in O(1) queues instead of the heap. */
	e->tv_interval = event_base_init_common_timeout(e->base, &iv);
	e->tv_timeout = event_base_init_common_timeout(e->base, &tv);
}

struct eio_server *eio_server_new(struct event_base *base, const struct eio_config *cfg,
				  const struct eio_conn_ops *conn_ops,
				  const struct eio_app_ops *app_ops, void *app)
{
	struct eio_server *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->base = base;
	e->conn = conn_ops;
	e->app_ops = app_ops;
	e->app = app;
	e->sources = eio_sources_new();
	set_config(e, cfg);
	if (htable_init(&e->sessions, EIO_INITIAL_BUCKETS) || !e->sources ||
	    !e->tv_interval || !e->tv_timeout) {
		eio_server_free(e);
		return NULL;
	}
	return e;
}

void eio_server_set_config(struct eio_server *e, const struct eio_config *cfg)
{
	set_config(e, cfg);
}

void eio_server_free(struct eio_server *e)
{
	size_t cursor = 0;
	struct htable_node *n;

	if (!e)
		return;
	/* Drained: a session's end may end others (the application's). */
	while (e->sessions.b && (n = htable_drain_next(&e->sessions, &cursor)))
		eio_session_end(HTABLE_ENTRY(n, struct eio_session, node),
				"server shutting down", false);
	htable_fini(&e->sessions);
	eio_sources_free(e->sources);
	free(e);
}

size_t eio_server_session_count(const struct eio_server *e)
{
	return e->n_sessions;
}
