/* TURN over DTLS (RFC 7350) on tls-listening-port/UDP: one UDP socket per
 * listening address, one DTLS session per client address, decrypted
 * messages fed to the same request and ChannelData path as plain UDP.
 * OpenSSL 3.0 has no datagram memory BIO, so each session reads from a
 * memory BIO fed one datagram at a time and writes to one we drain into
 * a datagram after every call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "front/front.h"
#include "turn/turn_internal.h"
#include "util/errors.h"
#include "util/log.h"

/* Handshakes in progress at once (each holds an SSL object), and how long
 * one may take: bounds what spoofed ClientHellos can cost. */
#define DTLS_MAX_HANDSHAKING 1024
#define DTLS_HANDSHAKE_MS 10000u
/* A session carrying no allocation is dropped after this much silence. */
#define DTLS_IDLE_MS 120000u
#define DTLS_MTU 1400

struct dtls_session {
	struct dtls_listener *listener;
	struct tr_addr client;
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	bool established;
	uint64_t started_ms, last_ms;
	struct dtls_session *next;
};

struct dtls_listener {
	struct turn_server *server;
	int fd;
	struct tr_addr local;
	struct event *ev;
	struct dtls_session *sessions;
	size_t handshaking;
};

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

static void session_free(struct dtls_listener *l, struct dtls_session *d)
{
	for (struct dtls_session **pp = &l->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	if (!d->established)
		l->handshaking--;
	turn_delete_allocations_of_link(l->server, NULL, d);
	SSL_free(d->ssl);
	free(d);
}

static struct dtls_session *session_new(struct dtls_listener *l, const struct tr_addr *from)
{
	struct dtls_session *d;

	if (l->handshaking >= DTLS_MAX_HANDSHAKING || !l->server->dtls_ctx)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ssl = SSL_new(l->server->dtls_ctx);
	d->rbio = BIO_new(BIO_s_mem());
	d->wbio = BIO_new(BIO_s_mem());
	if (!d->ssl || !d->rbio || !d->wbio) {
		BIO_free(d->rbio);
		BIO_free(d->wbio);
		SSL_free(d->ssl);
		free(d);
		return NULL;
	}
	BIO_set_mem_eof_return(d->rbio, -1);
	SSL_set_bio(d->ssl, d->rbio, d->wbio);
	SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(d->ssl, DTLS_MTU);
	SSL_set_accept_state(d->ssl);
	d->listener = l;
	d->client = *from;
	d->started_ms = d->last_ms = l->server->now_ms;
	d->next = l->sessions;
	l->sessions = d;
	l->handshaking++;
	return d;
}

static struct dtls_session *session_find(struct dtls_listener *l, const struct tr_addr *a)
{
	for (struct dtls_session *d = l->sessions; d; d = d->next)
		if (addr_equal(&d->client, a))
			return d;
	return NULL;
}

/* Decrypted application data: STUN or ChannelData, as over plain UDP. */
static void deliver(struct dtls_session *d, const uint8_t *p, size_t len)
{
	struct client_packet pkt = { .data = p, .len = len };

	pkt.ft.transport = TURN_UDP;
	pkt.ft.client = d->client;
	pkt.ft.server = d->listener->local;
	pkt.link.dtls = d;
	turn_handle_client_packet(d->listener->server, &pkt);
}

/* One datagram into the session; returns false when it is over. */
static bool session_input(struct dtls_session *d, const uint8_t *p, size_t len)
{
	uint8_t plain[UDP_SLOT];
	int n;

	d->last_ms = d->listener->server->now_ms;
	BIO_write(d->rbio, p, (int)len);
	if (!d->established) {
		n = SSL_do_handshake(d->ssl);
		flush(d);
		if (n == 1) {
			d->established = true;
			d->listener->handshaking--;
		} else if (SSL_get_error(d->ssl, n) != SSL_ERROR_WANT_READ) {
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

static void dtls_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dtls_listener *l = arg;
	uint8_t *buf = l->server->udp_scratch;

	turn_server_touch_clock(l->server);
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t slen = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, UDP_SLOT, MSG_DONTWAIT, (struct sockaddr *)&ss,
				     &slen);
		struct tr_addr from;
		struct dtls_session *d;

		if (n <= 0)
			return;
		if (addr_from_sockaddr(&from, (struct sockaddr *)&ss, slen))
			continue;
		d = session_find(l, &from);
		/* Only a DTLS handshake record (content type 22) opens one. */
		if (!d && n > 13 && buf[0] == 22)
			d = session_new(l, &from);
		if (d && !session_input(d, buf, (size_t)n))
			session_free(l, d);
	}
}

static bool session_has_allocation(struct turn_server *s, struct dtls_session *d);

void turn_dtls_tick(struct turn_server *s)
{
	for (size_t i = 0; i < s->n_dtls; i++) {
		struct dtls_listener *l = s->dtls[i];

		for (struct dtls_session *d = l->sessions, *next; d; d = next) {
			next = d->next;
			if (!d->established) {
				if (s->now_ms - d->started_ms >= DTLS_HANDSHAKE_MS) {
					session_free(l, d);
					continue;
				}
				/* RFC 6347 4.2.4: retransmit lost flights. */
				if (DTLSv1_handle_timeout(d->ssl) > 0)
					flush(d);
			} else if (s->now_ms - d->last_ms >= DTLS_IDLE_MS &&
				   !session_has_allocation(s, d)) {
				session_free(l, d);
			}
		}
	}
}

struct has_alloc {
	struct dtls_session *d;
	bool found;
};

static void check_alloc(struct allocation *a, void *arg)
{
	struct has_alloc *h = arg;

	h->found |= a->link.dtls == h->d;
}

static bool session_has_allocation(struct turn_server *s, struct dtls_session *d)
{
	struct has_alloc h = { d, false };

	alloc_table_each(s->allocs, check_alloc, &h);
	return h.found;
}

static int dtls_listener_open(struct turn_server *s, const struct tr_addr *addr)
{
	struct dtls_listener *l, **grown;
	char text[ADDR_STR_MAX];
	int fd = turn_udp_socket(addr);

	if (fd < 0) {
		log_err("cannot bind DTLS %s: %s", addr_to_str(addr, text, sizeof(text)),
			strerror(errno));
		return TR_EIO;
	}
	grown = realloc(s->dtls, (s->n_dtls + 1) * sizeof(*grown));
	l = calloc(1, sizeof(*l));
	if (grown)
		s->dtls = grown;
	if (!grown || !l) {
		free(l);
		close(fd);
		return TR_ENOMEM;
	}
	l->server = s;
	l->fd = fd;
	l->local = *addr;
	s->dtls[s->n_dtls++] = l;
	l->ev = event_new(s->base, fd, EV_READ | EV_PERSIST, dtls_read_cb, l);
	if (!l->ev || event_add(l->ev, NULL))
		return TR_ENOMEM;
	log_info("listening on DTLS %s", addr_to_str(addr, text, sizeof(text)));
	return 0;
}

int turn_dtls_start(struct turn_server *s)
{
	const struct conf *c = s->conf;
	char *const *ips = c->listening_ips.items;
	size_t n = c->listening_ips.n;
	char err[256];

	if (!c->cert || c->no_dtls || c->no_udp)
		return 0;
	s->dtls_ctx = front_tls_ctx_new(c, true, err, sizeof(err));
	if (!s->dtls_ctx) {
		log_err("DTLS: %s", err);
		return TR_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct tr_addr a;

		if (addr_parse_ip(&a, ips[i], (uint16_t)c->tls_listening_port) ||
		    dtls_listener_open(s, &a))
			return TR_EIO;
	}
	return 0;
}

int turn_dtls_reload(struct turn_server *s, const struct conf *conf, char *err,
		     size_t errlen)
{
	SSL_CTX *ctx;

	if (!s->dtls_ctx || !conf->cert)
		return 0;
	ctx = front_tls_ctx_new(conf, true, err, errlen);
	if (!ctx)
		return TR_EINVAL;
	SSL_CTX_free(s->dtls_ctx);
	s->dtls_ctx = ctx;
	return 0;
}

void turn_dtls_stop(struct turn_server *s)
{
	for (size_t i = 0; i < s->n_dtls; i++) {
		struct dtls_listener *l = s->dtls[i];

		while (l->sessions)
			session_free(l, l->sessions);
		if (l->ev)
			event_free(l->ev);
		close(l->fd);
		free(l);
	}
	free(s->dtls);
	s->dtls = NULL;
	s->n_dtls = 0;
	SSL_CTX_free(s->dtls_ctx);
	s->dtls_ctx = NULL;
}
