/* TCP and TLS listeners, and the first-bytes sniff that sends each
 * connection to TURN or HTTP. A TURN stream starts with a STUN message
 * (first two bits 00, RFC 8489 6); an HTTP request with an ASCII method;
 * a TLS client that negotiated ALPN "stun.turn" or "http/1.1" is believed
 * (RFC 7443). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "front/front_internal.h"
#include "util/acceptguard.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/prom.h"

/* A connection that has not said what it is within this time is closed. */
#define FRONT_SNIFF_TIMEOUT_S 10
/* Derived limits: connections take at most half the descriptors (relay
 * sockets, the store and the log want the rest); one source an eighth of
 * that, never fewer than a small office behind one NAT needs, never more
 * than a large one (a browser holds a WebSocket and a TURN/TLS stream). */
#define FRONT_PER_SOURCE_MIN 16
#define FRONT_PER_SOURCE_MAX 1024

struct front_listener {
	struct front *front;
	struct evconnlistener *lev;
	bool tls;
};

struct front {
	struct event_base *base;
	const struct conf *conf;
	struct front_handlers h;
	SSL_CTX *tls;                      /* NULL without a certificate */
	struct tls_failures *tls_failures; /* with tls */
	struct front_listener **listeners; /* each its own allocation: the
					    * listener callbacks hold them */
	size_t n_listeners;
	struct accept_guard *guard;
	struct front_limits *limits;
	uint64_t nofile;
	uint64_t refused_total, refused_source;
	struct log_limit refused_log;
};

/* A connection between accept and the sniff: it only needs its addresses. */
struct sniffing {
	struct front *front;
	struct tr_addr client, local;
	bool tls;
	struct front_slot *slot;
};

enum sniff_verdict { SNIFF_MORE, SNIFF_TURN, SNIFF_HTTP, SNIFF_NEITHER };

static enum sniff_verdict verdict_from_alpn(struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	const unsigned char *proto = NULL;
	unsigned int len = 0;

	if (!ssl)
		return SNIFF_MORE;
	SSL_get0_alpn_selected(ssl, &proto, &len);
	if (len == 9 && !memcmp(proto, "stun.turn", 9))
		return SNIFF_TURN;
	if (len == 8 && !memcmp(proto, "http/1.1", 8))
		return SNIFF_HTTP;
	return SNIFF_MORE;
}

static enum sniff_verdict verdict_from_bytes(struct evbuffer *in)
{
	const uint8_t *p = evbuffer_pullup(in, 1);

	if (!p)
		return SNIFF_MORE;
	if ((p[0] & 0xC0) == 0)
		return SNIFF_TURN;
	if (p[0] >= 'A' && p[0] <= 'Z')
		return SNIFF_HTTP;
	return SNIFF_NEITHER;
}

static void sniff_free(struct bufferevent *bev, struct sniffing *sn)
{
	bufferevent_free(bev);
	front_slot_release(sn->slot);
	free(sn);
}

static void sniff_read_cb(struct bufferevent *bev, void *arg)
{
	struct sniffing *sn = arg;
	struct front *f = sn->front;
	enum sniff_verdict v = verdict_from_alpn(bev);

	if (v == SNIFF_MORE)
		v = verdict_from_bytes(bufferevent_get_input(bev));
	if (v == SNIFF_MORE)
		return;
	if ((v == SNIFF_TURN && !f->h.turn) || (v == SNIFF_HTTP && !f->h.http) ||
	    v == SNIFF_NEITHER) {
		log_debug("TCP connection that is neither TURN nor HTTP: closed");
		sniff_free(bev, sn);
		return;
	}
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	bufferevent_set_timeouts(bev, NULL, NULL);
	if (v == SNIFF_TURN)
		f->h.turn(f->h.turn_ctx, bev, &sn->client, &sn->local, sn->tls, sn->slot);
	else
		f->h.http(f->h.http_ctx, bev, &sn->client, &sn->local, sn->tls, sn->slot);
	free(sn);
}

/* A TLS connection that fails before its handshake is done: OpenSSL's
 * reason, kept by the bufferevent, or the socket's error. */
static void note_handshake_failure(struct bufferevent *bev, struct sniffing *sn)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long err = bufferevent_get_openssl_error(bev);
	int sock_err = EVUTIL_SOCKET_ERROR();

	if (!ssl || SSL_is_init_finished(ssl))
		return;
	/* errno may be stale when the failure was not the socket's. */
	tls_failures_note(sn->front->tls_failures, &sn->client, ssl, err,
			  sock_err && sock_err != EAGAIN
				  ? evutil_socket_error_to_string(sock_err)
				  : "connection closed during the handshake");
}

static void sniff_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sniffing *sn = arg;

	if ((what & BEV_EVENT_ERROR) && sn->tls)
		note_handshake_failure(bev, sn);
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		sniff_free(bev, sn);
}

static struct bufferevent *wrap(struct front_listener *l, evutil_socket_t fd)
{
	struct front *f = l->front;
	SSL *ssl;
	struct bufferevent *bev;

	if (!l->tls)
		return bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
	ssl = SSL_new(f->tls);
	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(f->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		SSL_free(ssl);
	else
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Over a limit the connection is closed before anything is read from
 * it: a flood costs one accept and one close per connection. */
static struct front_slot *admit(struct front *f, const struct tr_addr *client)
{
	enum front_admit why;
	struct front_slot *slot = front_limits_admit(f->limits, client, &why);
	char text[ADDR_STR_MAX];

	if (slot)
		return slot;
	if (why == FRONT_ADMIT_TOTAL)
		f->refused_total++;
	else if (why == FRONT_ADMIT_SOURCE)
		f->refused_source++;
	log_warn_limited(&f->refused_log, "connection from %s refused: %s",
			 addr_ip_to_str(client, text, sizeof(text)),
			 why == FRONT_ADMIT_TOTAL ? "max-connections reached"
			 : why == FRONT_ADMIT_SOURCE
				 ? "max-connections-per-source reached"
				 : "out of memory");
	return NULL;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct front_listener *l = arg;
	struct sniffing *sn = calloc(1, sizeof(*sn));
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct timeval timeout = { FRONT_SNIFF_TIMEOUT_S, 0 };
	struct bufferevent *bev;

	accept_guard_accepted(l->front->guard);
	if (!sn || addr_from_sockaddr(&sn->client, sa, (size_t)salen) ||
	    !(sn->slot = admit(l->front, &sn->client)) ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) < 0 ||
	    addr_from_sockaddr(&sn->local, (struct sockaddr *)&local, llen) ||
	    !(bev = wrap(l, fd))) {
		if (sn)
			front_slot_release(sn->slot);
		free(sn);
		evutil_closesocket(fd);
		return;
	}
	/* Media over TURN/TCP must not wait for Nagle and delayed ACKs. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	sn->front = l->front;
	sn->tls = l->tls;
	bufferevent_setcb(bev, sniff_read_cb, NULL, sniff_event_cb, sn);
	bufferevent_set_timeouts(bev, &timeout, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct front_listener *l = arg;

	accept_guard_on_error(l->front->guard);
}

static int listen_one(struct front *f, const struct tr_addr *ip, unsigned port, bool tls,
		      char *err, size_t errlen)
{
	struct front_listener **grown, *l;
	struct tr_addr a = *ip;
	char text[ADDR_STR_MAX];
	unsigned flags =
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;

	addr_set_port(&a, (uint16_t)port);
	grown = realloc(f->listeners, (f->n_listeners + 1) * sizeof(*grown));
	if (!grown)
		return TR_ENOMEM;
	f->listeners = grown;
	l = calloc(1, sizeof(*l));
	if (!l)
		return TR_ENOMEM;
	f->listeners[f->n_listeners++] = l;
	l->front = f;
	l->tls = tls;
	if (addr_family(&a) == AF_INET6)
		flags |= LEV_OPT_BIND_IPV6ONLY;
	l->lev = evconnlistener_new_bind(f->base, accept_cb, l, flags, 256, &a.u.sa,
					 (int)addr_len(&a));
	if (!l->lev) {
		snprintf(err, errlen, "cannot listen on TCP %s: %s",
			 addr_to_str(&a, text, sizeof(text)), strerror(errno));
		return TR_EIO;
	}
	evconnlistener_set_error_cb(l->lev, accept_error_cb);
	if (accept_guard_add(f->guard, l->lev))
		return TR_ENOMEM;
	log_info("listening on %s %s", tls ? "TLS" : "TCP",
		 addr_to_str(&a, text, sizeof(text)));
	return 0;
}

/* The ports to open, each once, in this order of precedence: a port named
 * for both plain and TLS stays plain (sniffing cannot see inside TLS before
 * the handshake); the same port for TLS TURN and HTTPS is the one-port
 * set-up (e.g. 443). */
struct port_plan {
	unsigned port;
	bool tls;
};

static size_t plan_ports(const struct front *f, struct port_plan plan[4])
{
	const struct conf *c = f->conf;
	struct port_plan want[4] = {
		{ c->no_tcp ? 0 : c->listening_port, false },
		{ c->http_port, false },
		{ f->tls && !c->no_tls ? c->tls_listening_port : 0, true },
		{ f->tls ? c->https_port : 0, true },
	};
	size_t n = 0;

	for (size_t i = 0; i < 4; i++) {
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup |= plan[k].port == want[i].port;
		if (want[i].port && !dup)
			plan[n++] = want[i];
	}
	return n;
}

static int start_listeners(struct front *f, char *err, size_t errlen)
{
	const struct conf_addrs *ips = &f->conf->listening_ips;
	struct port_plan plan[4];
	size_t n = plan_ports(f, plan);

	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < ips->n; i++)
			if (listen_one(f, &ips->v[i], plan[p].port, plan[p].tls, err,
				       errlen))
				return TR_EIO;
	return 0;
}

/* max-connections and max-connections-per-source, or their derived
 * defaults. */
static void apply_limits(struct front *f)
{
	const struct conf *c = f->conf;
	uint64_t total = c->max_connections ? c->max_connections : f->nofile / 2;
	uint64_t per_source = c->max_connections_per_source;

	if (total < 1)
		total = 1;
	if (total > UINT32_MAX)
		total = UINT32_MAX;
	if (!per_source)
		per_source = total / 8 < FRONT_PER_SOURCE_MIN   ? FRONT_PER_SOURCE_MIN
			     : total / 8 > FRONT_PER_SOURCE_MAX ? FRONT_PER_SOURCE_MAX
								: total / 8;
	front_limits_set(f->limits, (unsigned)total, (unsigned)per_source);
	log_info("connection limits: %llu in total, %llu per source (IPv6: per /64)",
		 (unsigned long long)total, (unsigned long long)per_source);
}

struct front *front_new(struct event_base *base, const struct conf *conf,
			const struct front_handlers *h, char *err, size_t errlen)
{
	struct front *f = calloc(1, sizeof(*f));

	snprintf(err, errlen, "out of memory");
	if (!f)
		return NULL;
	f->base = base;
	f->conf = conf;
	f->h = *h;
	f->nofile = front_raise_nofile();
	f->guard = accept_guard_new(base, "TCP listeners");
	f->limits = front_limits_new(0, 0);
	if (!f->guard || !f->limits)
		goto fail;
	apply_limits(f);
	if (conf->cert) {
		f->tls = tls_ctx_new(conf, TLS_OVER_TCP, err, errlen);
		f->tls_failures = tls_failures_new("TLS");
		if (!f->tls || !f->tls_failures)
			goto fail;
	}
	if (start_listeners(f, err, errlen))
		goto fail;
	return f;
fail:
	front_free(f);
	return NULL;
}

int front_reload_prepare(const struct front *f, const struct conf *conf, SSL_CTX **tls,
			 char *err, size_t errlen)
{
	*tls = NULL;
	/* TLS listeners exist from the start only. */
	if (!f->tls || !conf->cert)
		return 0;
	*tls = tls_ctx_new(conf, TLS_OVER_TCP, err, errlen);
	return *tls ? 0 : TR_EINVAL;
}

void front_reload_commit(struct front *f, const struct conf *conf, SSL_CTX *tls)
{
	f->conf = conf;
	apply_limits(f);
	if (!tls)
		return;
	/* Live connections hold a reference to the old context. */
	SSL_CTX_free(f->tls);
	f->tls = tls;
	log_info("TLS certificate %s reloaded", conf->cert);
}

bool front_has_tls(const struct front *f)
{
	return f && f->tls;
}

void front_free(struct front *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_listeners; i++) {
		if (f->listeners[i]->lev)
			evconnlistener_free(f->listeners[i]->lev);
		free(f->listeners[i]);
	}
	free(f->listeners);
	accept_guard_free(f->guard);
	front_limits_free(f->limits);
	SSL_CTX_free(f->tls);
	tls_failures_free(f->tls_failures);
	free(f);
}

void front_write_metrics(const struct front *f, struct evbuffer *out)
{
	static const char *const refused = "turnroom_tcp_refused_total";

	prom_metric(out, "turnroom_tcp_connections", "gauge",
		    "Open TCP and TLS connections (TURN, HTTP, WebSocket).",
		    front_limits_open(f->limits));
	prom_family(out, refused, "counter", "Connections closed at once for a limit.");
	prom_sample(out, refused, "limit", "total", f->refused_total);
	prom_sample(out, refused, "limit", "per_source", f->refused_source);
	prom_metric(out, "turnroom_tls_handshakes_failed_total", "counter",
		    "TLS handshakes that failed (each also logged, rate-limited).",
		    tls_failures_count(f->tls_failures));
	prom_metric(out, "turnroom_accept_pauses_total", "counter",
		    "Listener pauses for want of file descriptors.",
		    accept_guard_pauses(f->guard));
}
