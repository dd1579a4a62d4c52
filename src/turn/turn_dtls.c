/* TURN over DTLS (RFC 7350) on tls-listening-port/UDP: one UDP socket per
 * listening address, one DTLS session per client address, decrypted
 * messages fed to the same request and ChannelData path as plain UDP.
 * OpenSSL 3.0 has no datagram memory BIO, so each session reads from a
 * memory BIO fed one datagram at a time and writes to one we drain into
 * a datagram after every call.
 *
 * A stranger's ClientHello creates nothing (RFC 6347 4.2.1): one shared
 * SSL object runs DTLSv1_listen on it, which answers a HelloVerifyRequest
 * (smaller than the request, so a spoofed source gains no amplification)
 * unless it carries a cookie we made for its address; only then does that
 * object become the client's session. Before that, caps on sessions,
 * handshakes in progress and handshakes per source are checked, and a
 * refusal is a silent drop, counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "tls/tls.h"
#include "turn/turn_dtls.h"
#include "turn/turn_internal.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/prom.h"

/* How long a handshake may take: bounds what a client that stops halfway
 * holds. */
#define DTLS_HANDSHAKE_MS 10000u
/* A session carrying no allocation is dropped after this much silence. */
#define DTLS_IDLE_MS 120000u
#define DTLS_MTU 1400
#define DTLS_INITIAL_BUCKETS 256
/* Refusals are logged at most once per this interval, with a count. */
#define DTLS_REFUSE_LOG_MS 10000u

enum dtls_refusal {
	REFUSE_NONE = -1, /* no cap is reached */
	REFUSE_SESSIONS,
	REFUSE_HANDSHAKES,
	REFUSE_SESSIONS_PER_IP,
	REFUSE_HANDSHAKES_PER_IP,
	REFUSE_COUNT
};

static const char *const refusal_label[REFUSE_COUNT] = {
	[REFUSE_SESSIONS] = "sessions",
	[REFUSE_HANDSHAKES] = "handshakes",
	[REFUSE_SESSIONS_PER_IP] = "sessions_per_ip",
	[REFUSE_HANDSHAKES_PER_IP] = "handshakes_per_ip",
};

/* The option each cap is set by, for the log. */
static const char *const refusal_option[REFUSE_COUNT] = {
	[REFUSE_SESSIONS] = "dtls-max-sessions",
	[REFUSE_HANDSHAKES] = "dtls-max-handshakes",
	[REFUSE_SESSIONS_PER_IP] = "dtls-max-sessions-per-ip",
	[REFUSE_HANDSHAKES_PER_IP] = "dtls-max-handshakes-per-ip",
};

struct dtls_session {
	struct turn_dtls *t;
	struct dtls_listener *listener;
	struct tr_addr client;
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	bool established;
	bool has_alloc; /* refreshed by each tick */
	uint64_t started_ms, last_ms;
	struct htable_node node;          /* in t->sessions */
	struct dtls_session *prev, *next; /* every session, for the tick */
};

struct dtls_listener {
	struct turn_dtls *t;
	int fd;
	uint32_t index;
	struct tr_addr local;
	struct event *ev;
};

struct dtls_counters {
	uint64_t hello_verify;       /* HelloVerifyRequests sent */
	uint64_t handshakes_started; /* sessions created (valid cookie) */
	uint64_t handshakes_done, handshakes_failed;
	uint64_t refused[REFUSE_COUNT];
};

struct turn_dtls {
	struct turn_server *server;
	SSL_CTX *ctx;
	/* The stateless listener object: reset by every DTLSv1_listen, handed
	 * to a new session when a cookie checks out; made again on demand. */
	SSL *listen;
	BIO_ADDR *listen_peer;
	/* The client whose cookie the callbacks make or check: set around
	 * DTLSv1_listen and the handshake steps that follow it only. */
	const struct tr_addr *hello_from;
	struct dtls_listener **listeners;
	size_t n_listeners;
	struct dtls_guard *guard;
	struct tls_failures *failures;
	/* Sessions by (listener, client address): the 5-tuple, since the
	 * listener fixes the server side and the transport. */
	struct htable sessions;
	struct dtls_session *all;
	size_t n_established, n_handshaking;
	struct dtls_counters c;
	uint64_t refuse_log_ms, refused_unlogged;
};

/* ---- session table ---- */

/* The client's address only: a client address has a session on a few
 * listeners at most, and the compare tells those apart. */
static uint64_t session_hash(const struct turn_dtls *t, const struct tr_addr *a)
{
	uint8_t key[ADDR_KEY_MAX];

	return htable_hash(&t->sessions, key, addr_key(a, key));
}

static struct dtls_session *session_find(struct turn_dtls *t, struct dtls_listener *l,
					 const struct tr_addr *a)
{
	uint64_t h = session_hash(t, a);

	for (struct htable_node *n = htable_first(&t->sessions, h); n;
	     n = htable_next(n, h)) {
		struct dtls_session *d = HTABLE_ENTRY(n, struct dtls_session, node);

		if (d->listener == l && addr_equal(&d->client, a))
			return d;
	}
	return NULL;
}

static void table_insert(struct turn_dtls *t, struct dtls_session *d)
{
	d->next = t->all;
	if (t->all)
		t->all->prev = d;
	t->all = d;
	htable_insert(&t->sessions, &d->node, session_hash(t, &d->client));
}

static void table_remove(struct turn_dtls *t, struct dtls_session *d)
{
	htable_remove(&t->sessions, &d->node);
	if (d->prev)
		d->prev->next = d->next;
	else
		t->all = d->next;
	if (d->next)
		d->next->prev = d->prev;
}

/* ---- sessions ---- */

/* Sends what OpenSSL wrote: records of one flight go in one datagram. */
static void flush(struct dtls_session *d)
{
	char buf[UDP_SLOT];
	int n;

	while ((n = BIO_read(d->wbio, buf, sizeof(buf))) > 0)
		sendto(d->listener->fd, buf, (size_t)n, MSG_DONTWAIT, &d->client.u.sa,
		       addr_len(&d->client));
}

void turn_dtls_send(struct dtls_session *d, const uint8_t *p, size_t len)
{
	if (!d->established || SSL_write(d->ssl, p, (int)len) <= 0) {
		ERR_clear_error();
		return;
	}
	flush(d);
}

static void session_free(struct turn_dtls *t, struct dtls_session *d)
{
	table_remove(t, d);
	if (d->established) {
		t->n_established--;
		dtls_guard_source_remove(t->guard, &d->client, DTLS_SRC_SESSIONS);
		/* Only an established session can carry allocations. */
		turn_delete_allocations_of_link(t->server, NULL, d);
	} else {
		t->n_handshaking--;
		dtls_guard_source_remove(t->guard, &d->client, DTLS_SRC_HANDSHAKES);
		t->c.handshakes_failed++;
	}
	SSL_free(d->ssl);
	free(d);
}

/* Decrypted application data: STUN or ChannelData, as over plain UDP. */
static void deliver(struct dtls_session *d, const uint8_t *p, size_t len)
{
	struct client_packet pkt = { .data = p, .len = len };

	pkt.ft.transport = TURN_UDP;
	pkt.ft.client = d->client;
	pkt.ft.server = d->listener->local;
	pkt.link.dtls = d;
	turn_handle_client_packet(d->t->server, &pkt);
}

/* Runs the session on what its read BIO holds; false when it is over. */
static bool session_step(struct dtls_session *d)
{
	struct turn_dtls *t = d->t;
	uint8_t plain[UDP_SLOT];
	int n = 0;

	if (!d->established) {
		/* OpenSSL checks the cookie of the hello again here. */
		t->hello_from = &d->client;
		n = SSL_do_handshake(d->ssl);
		t->hello_from = NULL;
		flush(d);
		if (n == 1) {
			d->established = true;
			t->n_handshaking--;
			t->n_established++;
			t->c.handshakes_done++;
			/* The source has an entry, so this add cannot fail. */
			dtls_guard_source_add(t->guard, &d->client, DTLS_SRC_SESSIONS);
			dtls_guard_source_remove(t->guard, &d->client,
						 DTLS_SRC_HANDSHAKES);
		} else if (SSL_get_error(d->ssl, n) != SSL_ERROR_WANT_READ) {
			tls_failures_note(t->failures, &d->client, d->ssl,
					  ERR_peek_error(), NULL);
			ERR_clear_error();
			return false;
		}
	}
	while (d->established && (n = SSL_read(d->ssl, plain, sizeof(plain))) > 0)
		deliver(d, plain, (size_t)n);
	if (d->established && SSL_get_error(d->ssl, n) == SSL_ERROR_ZERO_RETURN)
		return false;
	ERR_clear_error();
	flush(d);
	return true;
}

static bool session_input(struct dtls_session *d, const uint8_t *p, size_t len)
{
	d->last_ms = d->t->server->now_ms;
	BIO_write(d->rbio, p, (int)len);
	return session_step(d);
}

/* ---- strangers: the stateless cookie exchange ---- */

static int cookie_generate_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	struct turn_dtls *t = SSL_get_app_data(ssl);

	if (!t || !t->hello_from ||
	    dtls_guard_cookie(t->guard, t->hello_from, t->server->now_ms, cookie))
		return 0;
	*len = DTLS_COOKIE_LEN;
	return 1;
}

static int cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
	struct turn_dtls *t = SSL_get_app_data(ssl);

	return t && t->hello_from &&
	       dtls_guard_cookie_ok(t->guard, t->hello_from, t->server->now_ms, cookie,
				    len);
}

static void ctx_prepare(SSL_CTX *ctx)
{
	SSL_CTX_set_cookie_generate_cb(ctx, cookie_generate_cb);
	SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify_cb);
}

/* The listener object, with memory BIOs; NULL on allocation failure. */
static SSL *listen_ssl(struct turn_dtls *t)
{
	BIO *rbio, *wbio;

	if (t->listen)
		return t->listen;
	t->listen = SSL_new(t->ctx);
	rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(BIO_s_mem());
	if (!t->listen || !rbio || !wbio) {
		BIO_free(rbio);
		BIO_free(wbio);
		SSL_free(t->listen);
		return t->listen = NULL;
	}
	BIO_set_mem_eof_return(rbio, -1);
	BIO_set_mem_eof_return(wbio, -1);
	SSL_set_bio(t->listen, rbio, wbio);
	SSL_set_app_data(t->listen, t);
	SSL_set_options(t->listen, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(t->listen, DTLS_MTU);
	/* Idle sessions give their record buffers back. */
	SSL_set_mode(t->listen, SSL_MODE_RELEASE_BUFFERS);
	SSL_set_accept_state(t->listen);
	return t->listen;
}

/* Which cap a new handshake from `from` would break, or REFUSE_NONE. */
static enum dtls_refusal over_cap(const struct turn_dtls *t, const struct tr_addr *from)
{
	const struct conf *c = t->server->conf;
	unsigned hs = dtls_guard_source_count(t->guard, from, DTLS_SRC_HANDSHAKES);
	unsigned est = dtls_guard_source_count(t->guard, from, DTLS_SRC_SESSIONS);

	if (t->n_established + t->n_handshaking >= c->dtls_max_sessions)
		return REFUSE_SESSIONS;
	if (t->n_handshaking >= c->dtls_max_handshakes)
		return REFUSE_HANDSHAKES;
	if (hs + est >= c->dtls_max_sessions_per_ip)
		return REFUSE_SESSIONS_PER_IP;
	if (hs >= c->dtls_max_handshakes_per_ip)
		return REFUSE_HANDSHAKES_PER_IP;
	return REFUSE_NONE;
}

/* Counted always, logged once per DTLS_REFUSE_LOG_MS with what was
 * dropped meanwhile. */
static void refuse(struct turn_dtls *t, enum dtls_refusal why, const struct tr_addr *from)
{
	char text[ADDR_STR_MAX];
	uint64_t now = t->server->now_ms;

	t->c.refused[why]++;
	if (t->refuse_log_ms && now - t->refuse_log_ms < DTLS_REFUSE_LOG_MS) {
		t->refused_unlogged++;
		return;
	}
	log_warn("DTLS: ClientHello from %s dropped: %s reached (%llu more dropped "
		 "since the last such line)",
		 addr_to_str(from, text, sizeof(text)), refusal_option[why],
		 (unsigned long long)t->refused_unlogged);
	t->refuse_log_ms = now ? now : 1;
	t->refused_unlogged = 0;
}

/* Sends the HelloVerifyRequest DTLSv1_listen wrote, if any; never more
 * bytes than the request had (no amplification, RFC 6347 4.2.1). */
static void send_hello_verify(struct turn_dtls *t, struct dtls_listener *l,
			      const struct tr_addr *to, size_t request_len)
{
	uint8_t buf[512];
	BIO *wbio = SSL_get_wbio(t->listen);
	int n = BIO_pending(wbio) <= (int)sizeof(buf) ? BIO_read(wbio, buf, sizeof(buf))
						      : 0;

	(void)BIO_reset(wbio);
	if (n <= 0 || (size_t)n > request_len)
		return;
	if (sendto(l->fd, buf, (size_t)n, MSG_DONTWAIT, &to->u.sa, addr_len(to)) == n)
		t->c.hello_verify++;
}

/* The listener object becomes the session of `from`. */
static struct dtls_session *session_adopt(struct turn_dtls *t, struct dtls_listener *l,
					  const struct tr_addr *from)
{
	struct dtls_session *d = calloc(1, sizeof(*d));

	if (!d || dtls_guard_source_add(t->guard, from, DTLS_SRC_HANDSHAKES)) {
		free(d);
		SSL_free(t->listen); /* it holds the half-read hello: start over */
		t->listen = NULL;
		return NULL;
	}
	d->t = t;
	d->listener = l;
	d->client = *from;
	d->ssl = t->listen;
	d->rbio = SSL_get_rbio(d->ssl);
	d->wbio = SSL_get_wbio(d->ssl);
	d->started_ms = d->last_ms = t->server->now_ms;
	t->listen = NULL;
	t->n_handshaking++;
	t->c.handshakes_started++;
	table_insert(t, d);
	return d;
}

/* A datagram from an address without a session. */
static void stranger(struct turn_dtls *t, struct dtls_listener *l,
		     const struct tr_addr *from, const uint8_t *p, size_t len)
{
	SSL *ssl;
	struct dtls_session *d;
	enum dtls_refusal cap;
	int rc;

	/* Only a DTLS handshake record (content type 22) may open one. */
	if (len <= 13 || p[0] != 22)
		return;
	if ((cap = over_cap(t, from)) != REFUSE_NONE) {
		refuse(t, cap, from);
		return;
	}
	if (!(ssl = listen_ssl(t)))
		return;
	(void)BIO_reset(SSL_get_rbio(ssl));
	(void)BIO_reset(SSL_get_wbio(ssl));
	BIO_write(SSL_get_rbio(ssl), p, (int)len);
	t->hello_from = from;
	rc = DTLSv1_listen(ssl, t->listen_peer);
	t->hello_from = NULL;
	ERR_clear_error();
	if (rc == 0) {
		send_hello_verify(t, l, from, len);
	} else if (rc < 0) {
		SSL_free(t->listen); /* a fatal error leaves it unusable */
		t->listen = NULL;
	} else if ((d = session_adopt(t, l, from)) && !session_step(d)) {
		session_free(t, d);
	}
}

static void dtls_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dtls_listener *l = arg;
	struct turn_dtls *t = l->t;
	uint8_t *buf = t->server->udp_scratch;

	turn_server_touch_clock(t->server);
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t slen = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, UDP_SLOT, MSG_DONTWAIT,
				     (struct sockaddr *)&ss, &slen);
		struct tr_addr from;
		struct dtls_session *d;

		if (n <= 0)
			return;
		if (addr_from_sockaddr(&from, (struct sockaddr *)&ss, slen))
			continue;
		d = session_find(t, l, &from);
		if (!d)
			stranger(t, l, &from, buf, (size_t)n);
		else if (!session_input(d, buf, (size_t)n))
			session_free(t, d);
	}
}

/* ---- housekeeping ---- */

static void mark_alloc(struct allocation *a, void *arg)
{
	if (a->link.dtls)
		a->link.dtls->has_alloc = true;
}

void turn_dtls_tick(struct turn_server *s)
{
	struct turn_dtls *t = s->dtls;

	if (!t)
		return;
	/* One pass over the allocations instead of one per session. */
	for (struct dtls_session *d = t->all; d; d = d->next)
		d->has_alloc = false;
	alloc_table_each(s->allocs, mark_alloc, NULL);
	for (struct dtls_session *d = t->all, *next; d; d = next) {
		next = d->next;
		if (!d->established) {
			if (s->now_ms - d->started_ms >= DTLS_HANDSHAKE_MS) {
				session_free(t, d);
				continue;
			}
			/* RFC 6347 4.2.4: retransmit lost flights. */
			if (DTLSv1_handle_timeout(d->ssl) > 0)
				flush(d);
			ERR_clear_error();
		} else if (s->now_ms - d->last_ms >= DTLS_IDLE_MS && !d->has_alloc) {
			session_free(t, d);
		}
	}
}

void turn_dtls_write_metrics(struct turn_server *s, struct evbuffer *out)
{
	static const struct dtls_counters none;
	const struct turn_dtls *t = s->dtls;
	const struct dtls_counters *c = t ? &t->c : &none;

	prom_metric(out, "turnroom_dtls_sessions", "gauge", "Established DTLS sessions.",
		    t ? t->n_established : 0);
	prom_metric(out, "turnroom_dtls_handshakes", "gauge",
		    "DTLS handshakes in progress.", t ? t->n_handshaking : 0);
	prom_metric(out, "turnroom_dtls_hello_verify_total", "counter",
		    "HelloVerifyRequests sent to ClientHellos without a valid cookie.",
		    c->hello_verify);
	prom_metric(out, "turnroom_dtls_handshakes_started_total", "counter",
		    "DTLS sessions created (ClientHello with a valid cookie).",
		    c->handshakes_started);
	prom_metric(out, "turnroom_dtls_handshakes_completed_total", "counter",
		    "DTLS handshakes completed.", c->handshakes_done);
	prom_metric(out, "turnroom_dtls_handshakes_failed_total", "counter",
		    "DTLS handshakes that failed or timed out.", c->handshakes_failed);
	prom_family(out, "turnroom_dtls_refused_total", "counter",
		    "ClientHellos dropped by a DTLS cap.");
	for (int i = 0; i < REFUSE_COUNT; i++)
		prom_sample(out, "turnroom_dtls_refused_total", "cap", refusal_label[i],
			    c->refused[i]);
}

/* ---- start, reload, stop ---- */

static int dtls_listener_open(struct turn_dtls *t, const struct tr_addr *addr)
{
	struct dtls_listener *l, **grown;
	int rc;

	grown = realloc(t->listeners, (t->n_listeners + 1) * sizeof(*grown));
	if (!grown)
		return TR_ENOMEM;
	t->listeners = grown;
	l = calloc(1, sizeof(*l));
	if (!l)
		return TR_ENOMEM;
	l->t = t;
	l->index = (uint32_t)t->n_listeners;
	l->local = *addr;
	rc = turn_udp_listener_open(t->server->base, addr, "DTLS", 0, dtls_read_cb, l,
				    &l->fd, &l->ev);
	if (rc) {
		free(l);
		return rc;
	}
	t->listeners[t->n_listeners++] = l;
	return 0;
}

static struct turn_dtls *dtls_new(struct turn_server *s)
{
	struct turn_dtls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->server = s;
	s->dtls = t;
	t->guard = dtls_guard_new(NULL);
	t->listen_peer = BIO_ADDR_new();
	t->failures = tls_failures_new("DTLS");
	if (!t->guard || !t->listen_peer || !t->failures ||
	    htable_init(&t->sessions, DTLS_INITIAL_BUCKETS))
		return NULL; /* turn_dtls_stop frees the rest */
	return t;
}

int turn_dtls_start(struct turn_server *s)
{
	const struct conf *c = s->conf;
	struct turn_dtls *t;
	char err[256];

	if (!c->cert || c->no_dtls || c->no_udp)
		return 0;
	if (!(t = dtls_new(s)))
		return TR_ENOMEM;
	t->ctx = tls_ctx_new(c, TLS_OVER_UDP, err, sizeof(err));
	if (!t->ctx) {
		log_err("DTLS: %s", err);
		return TR_EINVAL;
	}
	ctx_prepare(t->ctx);
	for (size_t i = 0; i < c->listening_ips.n; i++) {
		struct tr_addr a = c->listening_ips.v[i];

		addr_set_port(&a, (uint16_t)c->tls_listening_port);
		if (dtls_listener_open(t, &a))
			return TR_EIO;
	}
	return 0;
}

int turn_dtls_reload_prepare(struct turn_server *s, const struct conf *conf,
			     SSL_CTX **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!s->dtls || !conf->cert)
		return 0;
	*out = tls_ctx_new(conf, TLS_OVER_UDP, err, errlen);
	if (!*out)
		return TR_EINVAL;
	ctx_prepare(*out);
	return 0;
}

void turn_dtls_reload_commit(struct turn_server *s, SSL_CTX *ctx)
{
	struct turn_dtls *t = s->dtls;

	if (!t || !ctx) {
		SSL_CTX_free(ctx);
		return;
	}
	/* Live sessions keep a reference to the old context; new ones, made
	 * from a new listener object, get the new one. */
	SSL_CTX_free(t->ctx);
	t->ctx = ctx;
	SSL_free(t->listen);
	t->listen = NULL;
}

void turn_dtls_stop(struct turn_server *s)
{
	struct turn_dtls *t = s->dtls;

	if (!t)
		return;
	while (t->all)
		session_free(t, t->all);
	for (size_t i = 0; i < t->n_listeners; i++) {
		struct dtls_listener *l = t->listeners[i];

		if (l->ev)
			event_free(l->ev);
		close(l->fd);
		free(l);
	}
	free(t->listeners);
	htable_fini(&t->sessions);
	SSL_free(t->listen);
	BIO_ADDR_free(t->listen_peer);
	SSL_CTX_free(t->ctx);
	dtls_guard_free(t->guard);
	tls_failures_free(t->failures);
	free(t);
	s->dtls = NULL;
}
