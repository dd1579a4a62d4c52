/* Client-facing transports: one UDP socket per listening address (read in
 * batches with recvmmsg, since every client's packets meet there), and the
 * TCP/TLS streams the front door hands over, carrying framed STUN and
 * ChannelData (RFC 8656 12.5). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf/conf.h"
#include "front/front.h"
#include "turn/turn_internal.h"
#include "turn/turn_tcp_relay.h"
#include "util/errors.h"
#include "util/log.h"

#define UDP_LISTENER_BUF (2 * 1024 * 1024)
/* A TCP client's unparsed input may not grow past one largest frame. */
#define TCP_IN_MAX (65535 + 20 + 4)
/* A TCP/TLS client that stops reading may hold at most this much queued,
 * and over TLS at most this many messages (each one costs a chain). */
#define TCP_OUT_MAX (1024 * 1024)
#define TLS_OUT_MSGS_MAX 4096

/* The messages a TLS connection has queued, one evbuffer chain each. The
 * count is kept by each chain's cleanup, which libevent may run after
 * bufferevent_free returns (it finalizes from the loop): so this outlives
 * its connection until its last chain is gone. */
struct tls_queue {
	unsigned queued;
	bool orphaned;
};

static void udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_listener *l = arg;
	struct recv_batch b;
	int n = turn_recv_batch(l->server, fd, 0, &b);

	for (int i = 0; i < n; i++) {
		struct client_packet pkt = { .data = b.iov[i].iov_base,
					     .len = b.msgs[i].msg_len };

		pkt.ft.transport = TURN_UDP;
		pkt.ft.server = l->local;
		pkt.link.udp = l;
		if (turn_batch_sender(&b, i, &pkt.ft.client) == 0)
			turn_handle_client_packet(l->server, &pkt);
	}
}

int turn_udp_listener_open(struct event_base *base, const struct tr_addr *addr,
			   const char *kind, int buf, void (*cb)(int, short, void *),
			   void *arg, int *fd, struct event **ev)
{
	char text[ADDR_STR_MAX];

	*fd = turn_udp_socket(addr);
	if (*fd < 0) {
		log_err("cannot bind %s %s: %s", kind,
			addr_to_str(addr, text, sizeof(text)), strerror(errno));
		return TR_EIO;
	}
	if (buf) {
		setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	*ev = event_new(base, *fd, EV_READ | EV_PERSIST, cb, arg);
	if (!*ev || event_add(*ev, NULL)) {
		if (*ev)
			event_free(*ev);
		close(*fd);
		*fd = -1;
		*ev = NULL;
		return TR_ENOMEM;
	}
	log_info("listening on %s %s", kind, addr_to_str(addr, text, sizeof(text)));
	return 0;
}

static int udp_listener_open(struct turn_server *s, const struct tr_addr *addr)
{
	struct udp_listener *l, **grown;
	int rc;

	grown = realloc(s->udp, (s->n_udp + 1) * sizeof(*grown));
	if (!grown)
		return TR_ENOMEM;
	s->udp = grown;
	l = calloc(1, sizeof(*l));
	if (!l)
		return TR_ENOMEM;
	l->server = s;
	l->local = *addr;
	/* Every client's packets meet on this socket: give bursts room (the
	 * kernel caps it at net.core.rmem_max/wmem_max). */
	rc = turn_udp_listener_open(s->base, addr, "UDP", UDP_LISTENER_BUF, udp_read_cb,
				    l, &l->fd, &l->ev);
	if (rc) {
		free(l);
		return rc;
	}
	s->udp[s->n_udp++] = l;
	return 0;
}

/* ---- TCP ---- */

static void tls_msg_free(const void *data, size_t len, void *arg)
{
	struct tls_queue *q = arg;

	(void)len;
	free((void *)data);
	if (--q->queued == 0 && q->orphaned)
		free(q);
}

static size_t stream_padding(const uint8_t *p, size_t len)
{
	return len >= 1 && (p[0] & 0xC0) == 0x40 && len % 4 ? 4 - len % 4 : 0;
}

int turn_stream_send(struct tcp_conn *c, const uint8_t *p, size_t len)
{
	static const uint8_t zeros[3];
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t pad = stream_padding(p, len);
	uint8_t *copy;

	if (evbuffer_get_length(out) > TCP_OUT_MAX ||
	    (c->tls && c->tls->queued >= TLS_OUT_MSGS_MAX))
		return TR_EQUOTA;
	if (!c->tls) {
		if (evbuffer_add(out, p, len) || (pad && evbuffer_add(out, zeros, pad)))
			return TR_ENOMEM;
		return 0;
	}
	/* RFC 8656 frames by length, but record-oriented clients (coturn's
	 * turnutils_uclient) take one TLS record for one message and lose the
	 * rest. A chain of its own is handed to SSL_write alone by libevent's
	 * SSL bufferevent: one record (a message over 16 KiB takes several). */
	copy = malloc(len + pad);
	if (!copy)
		return TR_ENOMEM;
	memcpy(copy, p, len);
	memset(copy + len, 0, pad);
	c->tls->queued++;
	if (evbuffer_add_reference(out, copy, len + pad, tls_msg_free, c->tls)) {
		c->tls->queued--;
		free(copy);
		return TR_ENOMEM;
	}
	return 0;
}

static void tcp_conn_destroy(struct tcp_conn *c)
{
	struct turn_server *s = c->server;

	turn_delete_allocations_of_link(s, c, NULL);
	if (c->tls && c->tls->queued == 0)
		free(c->tls);
	else if (c->tls)
		c->tls->orphaned = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (!c->taken)
		bufferevent_free(c->bev);
	/* A data connection handed over (RFC 6062) leaves the connection
	 * limits: it is bounded by its allocation's peer connections. */
	front_slot_release(c->slot);
	free(c);
}

/* Inside tcp_read_cb the connection and its input are still in use: the
 * close is only recorded there, and done when the loop has let go. */
static void tcp_conn_free(struct tcp_conn *c)
{
	if (c->busy)
		c->closing = true;
	else
		tcp_conn_destroy(c);
}

static void tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const uint8_t *frame;
	ssize_t n = 0;

	turn_server_touch_clock(c->server);
	c->busy = true;
	while (!c->closing && (n = turn_stream_next(in, &frame)) > 0) {
		struct client_packet pkt;

		memset(&pkt, 0, sizeof(pkt));
		pkt.data = frame;
		pkt.len = (size_t)n;
		pkt.ft.transport = TURN_TCP;
		pkt.ft.client = c->client;
		pkt.ft.server = c->local;
		pkt.link.tcp = c;
		turn_handle_client_packet(c->server, &pkt);
		evbuffer_drain(in, (size_t)n);
	}
	c->busy = false;
	if (n < 0 && !c->closing) {
		c->server->counters.malformed_dropped++;
		log_debug("TCP client sent neither STUN nor ChannelData; closing");
		c->closing = true;
	}
	if (c->closing)
		tcp_conn_destroy(c);
}

static void tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		tcp_conn_free(arg);
}

void turn_server_adopt_stream(void *ctx, struct bufferevent *bev,
			      const struct tr_addr *client, const struct tr_addr *local,
			      bool tls, struct front_slot *slot)
{
	struct turn_server *s = ctx;
	struct tcp_conn *c = calloc(1, sizeof(*c));

	if (c && tls)
		c->tls = calloc(1, sizeof(*c->tls));
	if (!c || (tls && !c->tls)) {
		free(c);
		bufferevent_free(bev);
		front_slot_release(slot);
		return;
	}
	c->slot = slot;
	c->server = s;
	c->bev = bev;
	c->client = *client;
	c->local = *local;
	turn_server_touch_clock(s);
	c->opened_ms = s->now_ms;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	bufferevent_setwatermark(bev, EV_READ, 0, TCP_IN_MAX);
	bufferevent_setcb(bev, tcp_read_cb, NULL, tcp_event_cb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	/* The front door read the first bytes already. */
	if (evbuffer_get_length(bufferevent_get_input(bev)))
		tcp_read_cb(bev, c);
}

struct bufferevent *turn_tcp_conn_take(struct tcp_conn *c)
{
	c->taken = true;
	c->closing = true;
	return c->bev;
}

void turn_tcp_expire_idle(struct turn_server *s)
{
	for (struct tcp_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (!c->n_allocs &&
		    s->now_ms - c->opened_ms >=
			    (uint64_t)s->conf->max_allocate_timeout * 1000u) {
			log_debug("TCP client without an allocation for %u s: closed",
				  s->conf->max_allocate_timeout);
			tcp_conn_free(c);
		}
	}
}

int turn_listen_start(struct turn_server *s)
{
	const struct conf *c = s->conf;

	if (!s->udp_scratch) {
		s->udp_scratch = malloc((size_t)UDP_BATCH * UDP_SLOT);
		if (!s->udp_scratch)
			return TR_ENOMEM;
	}
	for (size_t i = 0; !c->no_udp && i < c->listening_ips.n; i++) {
		struct tr_addr a = c->listening_ips.v[i];

		addr_set_port(&a, (uint16_t)c->listening_port);
		if (udp_listener_open(s, &a))
			return TR_EIO;
	}
	return 0;
}

void turn_listen_stop(struct turn_server *s)
{
	while (s->conns)
		tcp_conn_destroy(s->conns);
	for (size_t i = 0; i < s->n_udp; i++) {
		if (s->udp[i]->ev)
			event_free(s->udp[i]->ev);
		close(s->udp[i]->fd);
		free(s->udp[i]);
	}
	free(s->udp);
	s->udp = NULL;
	s->n_udp = 0;
	free(s->udp_scratch);
	s->udp_scratch = NULL;
}
