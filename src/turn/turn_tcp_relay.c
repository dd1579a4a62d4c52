/* RFC 6062 TCP allocations. The relayed transport address is a listening
 * TCP socket; each peer connection (made by Connect, 5.2, or accepted and
 * announced by a ConnectionAttempt indication, 5.3) waits up to 30 s for
 * the client to open a data connection and send ConnectionBind (5.4), and
 * then the pair carries raw bytes both ways. Each direction has bounded
 * buffers: when one side's output is full, the other side stops being
 * read until it drains (libevent watermarks), so a slow reader costs at
 * most a few hundred KiB, never the sender's whole stream. Under max-bps
 * (or member-max-bps) a direction that has used up the allocation's
 * bucket (turn_bandwidth.c) stops being read until it refills: a stream
 * is slowed, never cut, as coturn limits its TCP relays. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "conf/conf.h"
#include "turn/turn_tcp_relay.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

/* RFC 6062 5.2/5.3: a peer connection waits 30 s for its ConnectionBind;
 * a Connect that has not connected by then fails with 447. */
#define TCP_RELAY_BIND_MS 30000
#define TCP_RELAY_CONNECT_MS 30000
/* Peer connections per allocation, pending and bound: an attacker who
 * holds a permission cannot open an unbounded number of them. */
#define TCP_RELAY_CONNS_MAX 64
/* Each direction: a read takes at most READ_MAX; when the other side has
 * OUT_HIGH queued, reading stops until it drains to OUT_LOW. */
#define TCP_RELAY_READ_MAX (64 * 1024)
#define TCP_RELAY_OUT_HIGH (256 * 1024)
#define TCP_RELAY_OUT_LOW (64 * 1024)
/* Under a bandwidth limit a read takes at most the bucket's burst, but
 * not less than this (a byte-sized read per wakeup would cost CPU). */
#define TCP_RELAY_BW_READ_MIN 512
#define TCP_RELAY_BACKLOG 16
#define TCP_RELAY_ACCEPT_BATCH 16
/* Out of descriptors, a listening socket stays readable: its accepts
 * pause this long instead of spinning. */
#define TCP_RELAY_ACCEPT_PAUSE_MS 1000
/* CONNECTION-ID lookup (ConnectionBind): a util/htable, allocated while
 * any peer connection exists. */
#define TCP_RELAY_BUCKETS 64

enum pc_state { PC_CONNECTING, PC_PENDING, PC_BOUND };

/* One peer connection and, once bound, its client data connection. */
struct tcp_peer_conn {
	struct turn_server *s;
	struct allocation *a;
	uint32_t id; /* CONNECTION-ID */
	struct tr_addr peer;
	enum pc_state state;
	struct bufferevent *peer_bev;
	struct bufferevent *client_bev; /* set at ConnectionBind */
	struct event *timer;            /* connect / bind deadline */
	struct event *bw_timer;         /* resumes reads paused by max-bps */
	bool bw_paused[2];              /* indexed by to_peer: the side not read */
	uint8_t connect_tid[STUN_TID_LEN];
	bool connect_fp;                       /* the Connect had a FINGERPRINT */
	bool closing;                          /* one side ended: flush, then free */
	struct tcp_peer_conn *a_prev, *a_next; /* the allocation's list */
	struct htable_node node;               /* in s->tcp_conns, by id */
};

struct tcp_relay {
	struct tcp_peer_conn *conns;
	size_t n;
	struct event *resume; /* re-arms accepting after a pause */
};

static uint64_t id_hash(const struct turn_server *s, uint32_t id)
{
	return htable_hash(&s->tcp_conns, &id, sizeof(id));
}

bool turn_tcp_relay_requested(const struct stun_msg *msg)
{
	const struct stun_attr *t = stun_find(msg, STUN_ATTR_REQUESTED_TRANSPORT);

	return t && t->len == 4 && t->value[0] == TURN_TCP;
}

enum stun_error turn_tcp_relay_check_allocate(struct turn_request *r)
{
	const struct stun_msg *m = r->msg;

	/* no-tcp-relay (442, coturn) belongs with the other transport
	 * refusals in allocate_check_attributes, before this. 5.1 steps 2
	 * and 3: only for a client on TCP or TLS, and nothing of UDP's. */
	if (!r->pkt->link.tcp)
		return STUN_ERR_BAD_REQUEST;
	if (stun_find(m, STUN_ATTR_EVEN_PORT) ||
	    stun_find(m, STUN_ATTR_RESERVATION_TOKEN) ||
	    stun_find(m, STUN_ATTR_DONT_FRAGMENT))
		return STUN_ERR_BAD_REQUEST;
	return 0;
}

/* A TCP socket on addr that shares its port with the relay's listening
 * socket (SO_REUSEPORT on both: Linux refuses a second bind to a port in
 * LISTEN state otherwise). The fd, or -1 with errno kept. */
static int stream_socket(const struct tr_addr *addr)
{
	int fd = socket(addr_family(addr), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	return addr_bind_or_close(fd, addr);
}

static int listening_socket(const struct tr_addr *addr)
{
	int fd = stream_socket(addr);
	int saved;

	if (fd < 0 || listen(fd, TCP_RELAY_BACKLOG) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int turn_tcp_relay_bind(struct relay_family *rf, struct tr_addr *bound)
{
	return port_pool_bind_with(rf->ports, &rf->ip, listening_socket, bound);
}

size_t turn_tcp_relay_fds(const struct turn_server *s)
{
	return s->tcp_relay_fds;
}

/* ---- peer connections ---- */

static void conn_free(struct tcp_peer_conn *pc)
{
	struct turn_server *s = pc->s;
	struct tcp_relay *t = pc->a->tcp;

	if (pc->a_prev)
		pc->a_prev->a_next = pc->a_next;
	else
		t->conns = pc->a_next;
	if (pc->a_next)
		pc->a_next->a_prev = pc->a_prev;
	t->n--;
	htable_remove(&s->tcp_conns, &pc->node);
	if (--s->tcp_conn_count == 0)
		htable_fini(&s->tcp_conns);
	if (pc->timer)
		event_free(pc->timer);
	if (pc->bw_timer)
		event_free(pc->bw_timer);
	if (pc->peer_bev) {
		bufferevent_free(pc->peer_bev);
		s->tcp_relay_fds--;
	}
	if (pc->client_bev) {
		bufferevent_free(pc->client_bev);
		s->tcp_relay_fds--;
	}
	free(pc);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg);
static struct tcp_peer_conn *conn_by_id(const struct turn_server *s, uint32_t id);

/* A fresh connection record in a's lists, with a unique CONNECTION-ID
 * and its deadline armed. NULL on allocation failure. */
static struct tcp_peer_conn *conn_new(struct turn_server *s, struct allocation *a,
				      const struct tr_addr *peer, enum pc_state state,
				      uint32_t deadline_ms)
{
	struct tcp_peer_conn *pc = calloc(1, sizeof(*pc));
	struct timeval tv = { deadline_ms / 1000, (deadline_ms % 1000) * 1000 };

	if (!pc || (!s->tcp_conns.b && htable_init(&s->tcp_conns, TCP_RELAY_BUCKETS))) {
		free(pc);
		return NULL;
	}
	pc->s = s;
	pc->a = a;
	pc->peer = *peer;
	pc->state = state;
	do {
		if (RAND_bytes((unsigned char *)&pc->id, sizeof(pc->id)) != 1) {
			free(pc);
			return NULL;
		}
	} while (conn_by_id(s, pc->id));
	pc->timer = evtimer_new(s->base, timer_cb, pc);
	if (!pc->timer || evtimer_add(pc->timer, &tv)) {
		if (pc->timer)
			event_free(pc->timer);
		free(pc);
		if (!s->tcp_conn_count)
			htable_fini(&s->tcp_conns);
		return NULL;
	}
	pc->a_next = a->tcp->conns;
	if (pc->a_next)
		pc->a_next->a_prev = pc;
	a->tcp->conns = pc;
	a->tcp->n++;
	htable_insert(&s->tcp_conns, &pc->node, id_hash(s, pc->id));
	s->tcp_conn_count++;
	return pc;
}

static struct tcp_peer_conn *conn_by_id(const struct turn_server *s, uint32_t id)
{
	uint64_t h;

	if (!s->tcp_conns.b)
		return NULL;
	h = id_hash(s, id);
	for (struct htable_node *n = htable_first(&s->tcp_conns, h); n;
	     n = htable_next(n, h)) {
		struct tcp_peer_conn *pc = HTABLE_ENTRY(n, struct tcp_peer_conn, node);

		if (pc->id == id)
			return pc;
	}
	return NULL;
}

static struct tcp_peer_conn *conn_by_peer(const struct allocation *a,
					  const struct tr_addr *peer)
{
	for (struct tcp_peer_conn *pc = a->tcp->conns; pc; pc = pc->a_next)
		if (addr_equal(&pc->peer, peer))
			return pc;
	return NULL;
}

static void log_conn(const struct tcp_peer_conn *pc, const char *what)
{
	char peer[ADDR_STR_MAX], relay[ADDR_STR_MAX], user[ESC_LOG_LEN];

	log_info("TCP relay %s peer %s: %s (user '%s', connection 0x%08x)",
		 addr_to_str(&pc->a->relay_public, relay, sizeof(relay)),
		 addr_to_str(&pc->peer, peer, sizeof(peer)), what,
		 esc_str(user, sizeof(user), pc->a->username), (unsigned)pc->id);
}

/* The answer to a Connect, sent when the connection attempt ends: a
 * request rebuilt from what was kept, signed with the allocation's key. */
static void reply_connect(struct tcp_peer_conn *pc, enum stun_error code)
{
	struct allocation *a = pc->a;
	struct client_packet pkt;
	struct stun_msg msg;
	struct turn_request r;
	struct stun_builder b;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ft = a->ft;
	pkt.link = a->link;
	memset(&msg, 0, sizeof(msg));
	msg.method = STUN_CONNECT;
	msg.cls = STUN_CLASS_REQUEST;
	memcpy(msg.tid, pc->connect_tid, STUN_TID_LEN);
	memset(&r, 0, offsetof(struct turn_request, out));
	r.s = pc->s;
	r.pkt = &pkt;
	r.msg = &msg;
	r.fingerprint = pc->connect_fp;
	if (!pc->s->conf->no_auth) {
		r.cred = a->cred;
		r.key = r.cred.key;
	}
	if (code) {
		turn_respond_error(&r, code);
		return;
	}
	turn_response_start(&r, &b, STUN_CLASS_SUCCESS);
	stun_add_u32(&b, STUN_ATTR_CONNECTION_ID, pc->id);
	turn_response_send(&r, &b);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_peer_conn *pc = arg;

	(void)fd;
	(void)what;
	turn_server_touch_clock(pc->s);
	if (pc->state == PC_CONNECTING) {
		log_conn(pc, "connect timed out (447)");
		reply_connect(pc, STUN_ERR_CONNECTION_FAILURE);
	} else if (pc->state == PC_PENDING) {
		log_conn(pc, "no ConnectionBind within 30 s: closed");
	} else {
		return;
	}
	conn_free(pc);
}

static void arm_timer(struct tcp_peer_conn *pc, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(pc->timer, &tv);
}

/* ---- the data path of a bound pair ---- */

static struct bufferevent *other_side(const struct tcp_peer_conn *pc,
				      const struct bufferevent *bev)
{
	return bev == pc->peer_bev ? pc->client_bev : pc->peer_bev;
}

static void ms_to_tv(uint32_t ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* from may be read again: neither its bandwidth pause nor a full output
 * on the other side holds it back. */
static void maybe_resume(struct tcp_peer_conn *pc, struct bufferevent *from)
{
	struct bufferevent *to = other_side(pc, from);

	if (pc->closing || pc->bw_paused[from == pc->client_bev])
		return;
	if (evbuffer_get_length(bufferevent_get_output(to)) < TCP_RELAY_OUT_HIGH)
		bufferevent_enable(from, EV_READ);
}

/* The allocation's bucket has refilled for the paused sides (shared with
 * its other pairs, so it may not have: then wait again). */
static void bw_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_peer_conn *pc = arg;
	struct bufferevent *sides[2] = { pc->peer_bev, pc->client_bev };
	uint32_t wait = 0;

	(void)fd;
	(void)what;
	turn_server_touch_clock(pc->s);
	for (int to_peer = 0; to_peer < 2; to_peer++) {
		uint32_t w;

		if (!pc->bw_paused[to_peer])
			continue;
		w = turn_bw_stream_wait(pc->s, pc->a, to_peer, 0);
		if (w) {
			wait = !wait || w < wait ? w : wait;
			continue;
		}
		pc->bw_paused[to_peer] = false;
		maybe_resume(pc, sides[to_peer]);
	}
	if (wait) {
		struct timeval tv;

		ms_to_tv(wait, &tv);
		evtimer_add(pc->bw_timer, &tv);
	}
}

/* n bytes read from the side to_peer names: charged to the allocation's
 * bucket; when it is spent, that side stops being read for as long as
 * the refill takes. A pending timer is kept: it re-checks both sides. */
static void bw_charge(struct tcp_peer_conn *pc, struct bufferevent *from, bool to_peer,
		      size_t n)
{
	struct timeval tv;
	uint32_t wait;

	turn_server_touch_clock(pc->s);
	wait = turn_bw_stream_wait(pc->s, pc->a, to_peer, n);
	if (!wait)
		return;
	if (!pc->bw_timer)
		pc->bw_timer = evtimer_new(pc->s->base, bw_timer_cb, pc);
	if (!pc->bw_timer)
		return; /* out of memory: unlimited rather than stuck */
	bufferevent_disable(from, EV_READ);
	pc->bw_paused[to_peer] = true;
	if (evtimer_pending(pc->bw_timer, NULL))
		return;
	ms_to_tv(wait, &tv);
	evtimer_add(pc->bw_timer, &tv);
}

/* Moves what from has read into to's output (no copy: chains move), and
 * stops reading from when to's output is full or the bandwidth is spent. */
static void pump(struct tcp_peer_conn *pc, struct bufferevent *from,
		 struct bufferevent *to)
{
	struct evbuffer *in = bufferevent_get_input(from);
	struct evbuffer *out = bufferevent_get_output(to);
	size_t n = evbuffer_get_length(in);
	struct turn_server *s = pc->s;
	bool to_peer = from == pc->client_bev;

	if (!n)
		return;
	if (to_peer) {
		pc->a->bytes_to_peer += n;
		s->counters.relayed_bytes_out += n;
	} else {
		pc->a->bytes_from_peer += n;
		s->counters.relayed_bytes_in += n;
	}
	evbuffer_add_buffer(out, in);
	if (evbuffer_get_length(out) >= TCP_RELAY_OUT_HIGH)
		bufferevent_disable(from, EV_READ);
	if (pc->a->bps)
		bw_charge(pc, from, to_peer, n);
}

static void pair_read_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_peer_conn *pc = arg;

	pump(pc, bev, other_side(pc, bev));
}

/* bev's output drained to the low watermark: the other side may be read
 * again; once closing and empty, the pair goes. */
static void pair_write_cb(struct bufferevent *bev, void *arg)
{
	struct tcp_peer_conn *pc = arg;
	struct bufferevent *from = other_side(pc, bev);

	if (pc->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_free(pc);
		return;
	}
	pump(pc, from, bev);
	maybe_resume(pc, from);
}

/* One side ended: what it sent still reaches the other, then both close
 * (RFC 6062 5.5: closing one connection of a pair closes the other). */
static void pair_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_peer_conn *pc = arg;
	struct bufferevent *to = other_side(pc, bev);

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	turn_server_touch_clock(pc->s);
	if (pc->closing || (what & BEV_EVENT_ERROR)) {
		conn_free(pc);
		return;
	}
	pump(pc, bev, to);
	bufferevent_disable(bev, EV_READ);
	pc->closing = true;
	if (evbuffer_get_length(bufferevent_get_output(to)) == 0) {
		conn_free(pc);
		return;
	}
	bufferevent_disable(to, EV_READ);
	bufferevent_setwatermark(to, EV_WRITE, 0, 0);
}

static void pair_start(struct tcp_peer_conn *pc, struct bufferevent *client)
{
	struct bufferevent *sides[2] = { pc->peer_bev, client };

	pc->client_bev = client;
	pc->s->tcp_relay_fds++;
	pc->state = PC_BOUND;
	evtimer_del(pc->timer);
	for (int i = 0; i < 2; i++) {
		bufferevent_setcb(sides[i], pair_read_cb, pair_write_cb, pair_event_cb,
				  pc);
		bufferevent_setwatermark(sides[i], EV_READ, 0, TCP_RELAY_READ_MAX);
		bufferevent_setwatermark(sides[i], EV_WRITE, TCP_RELAY_OUT_LOW, 0);
		/* A read is charged whole: under a limit, keep it to a burst. */
		if (pc->a->bps)
			bufferevent_set_max_single_read(
				sides[i],
				turn_bw_stream_read_max(pc->a, TCP_RELAY_BW_READ_MIN,
							TCP_RELAY_READ_MAX));
		bufferevent_enable(sides[i], EV_READ | EV_WRITE);
	}
	/* Bytes the client sent right behind its ConnectionBind are in the
	 * input already: pass them on once the current callback is done. */
	bufferevent_trigger(client, EV_READ,
			    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	log_conn(pc, "bound");
}

/* ---- Connect (RFC 6062 5.2) ---- */

static void connect_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_peer_conn *pc = arg;

	(void)bev;
	turn_server_touch_clock(pc->s);
	if (pc->state == PC_CONNECTING && (what & BEV_EVENT_CONNECTED)) {
		/* Not read until bound: what the peer sends waits in the kernel. */
		pc->state = PC_PENDING;
		arm_timer(pc, TCP_RELAY_BIND_MS);
		log_conn(pc, "connected");
		reply_connect(pc, 0);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (pc->state == PC_CONNECTING) {
		log_conn(pc, "connect failed (447)");
		reply_connect(pc, STUN_ERR_CONNECTION_FAILURE);
	}
	conn_free(pc);
}

/* 0, or the error code for a Connect's peer: 400 malformed, 403 refused
 * by the peer filter or without a permission, 443 other family, 446 a
 * connection to it exists or is being made. */
static enum stun_error connect_check_peer(struct turn_request *r, struct tr_addr *peer)
{
	const struct stun_attr *attr = stun_find(r->msg, STUN_ATTR_XOR_PEER_ADDRESS);
	struct allocation *a = r->alloc;

	if (!attr || stun_attr_xor_addr(attr, r->msg->tid, peer))
		return STUN_ERR_BAD_REQUEST;
	if (!peer_filter_allows(r->s->filter, peer)) {
		r->s->counters.peer_refused++;
		return STUN_ERR_FORBIDDEN;
	}
	if (addr_family(peer) != addr_family(&a->relay))
		return STUN_ERR_PEER_FAMILY_MISMATCH;
	if (!alloc_permission_ok(a, peer, r->s->now_ms))
		return STUN_ERR_FORBIDDEN;
	if (conn_by_peer(a, peer))
		return STUN_ERR_CONNECTION_EXISTS;
	return 0;
}

/* Room for one more peer connection and its data connection. */
static bool conn_room(struct turn_server *s, struct allocation *a)
{
	return a->tcp->n < TCP_RELAY_CONNS_MAX && !turn_fds_exhausted(s, 2);
}

void turn_handle_connect(struct turn_request *r)
{
	struct turn_server *s = r->s;
	struct tcp_peer_conn *pc;
	struct tr_addr peer;
	enum stun_error code;
	int fd;

	if (!r->alloc) {
		turn_respond_error(r, STUN_ERR_ALLOCATION_MISMATCH);
		return;
	}
	code = r->alloc->tcp ? connect_check_peer(r, &peer) : STUN_ERR_BAD_REQUEST;
	if (!code && !conn_room(s, r->alloc))
		code = STUN_ERR_INSUFFICIENT_CAPACITY;
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	fd = stream_socket(&r->alloc->relay);
	pc = fd < 0 ? NULL
		    : conn_new(s, r->alloc, &peer, PC_CONNECTING, TCP_RELAY_CONNECT_MS);
	if (!pc) {
		if (fd >= 0)
			close(fd);
		turn_respond_error(r, STUN_ERR_CONNECTION_FAILURE);
		return;
	}
	memcpy(pc->connect_tid, r->msg->tid, STUN_TID_LEN);
	pc->connect_fp = r->fingerprint;
	pc->peer_bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!pc->peer_bev) {
		close(fd);
		conn_free(pc);
		turn_respond_error(r, STUN_ERR_CONNECTION_FAILURE);
		return;
	}
	s->tcp_relay_fds++;
	bufferevent_setcb(pc->peer_bev, NULL, NULL, connect_event_cb, pc);
	/* Failures (refused, unreachable) come back through connect_event_cb. */
	if (bufferevent_socket_connect(pc->peer_bev, &peer.u.sa, (int)addr_len(&peer))) {
		conn_free(pc);
		turn_respond_error(r, STUN_ERR_CONNECTION_FAILURE);
	}
}

/* ---- ConnectionAttempt (RFC 6062 5.3) ---- */

static void send_connection_attempt(struct tcp_peer_conn *pc)
{
	struct turn_server *s = pc->s;
	struct allocation *a = pc->a;
	uint8_t buf[256], tid[STUN_TID_LEN];
	struct stun_builder b;
	ssize_t n;

	turn_indication_tid(s, tid);
	stun_build_start(&b, buf, sizeof(buf), STUN_CONNECTION_ATTEMPT,
			 STUN_CLASS_INDICATION, tid);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &pc->peer);
	stun_add_u32(&b, STUN_ATTR_CONNECTION_ID, pc->id);
	if (a->had_fingerprint || s->conf->fingerprint)
		stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	if (n > 0)
		turn_send_to_client(s, &a->link, &a->ft.client, buf, (size_t)n);
}

/* One accepted peer: closed unless it holds a permission (5.3) and the
 * allocation has room; else announced and held, unread, for 30 s. */
static void accept_peer(struct turn_server *s, struct allocation *a, int fd,
			const struct tr_addr *peer)
{
	struct tcp_peer_conn *pc = NULL;

	if (!alloc_permission_ok(a, peer, s->now_ms)) {
		s->counters.peer_refused++;
		close(fd);
		return;
	}
	if (conn_room(s, a))
		pc = conn_new(s, a, peer, PC_PENDING, TCP_RELAY_BIND_MS);
	if (pc)
		pc->peer_bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!pc || !pc->peer_bev) {
		close(fd);
		if (pc)
			conn_free(pc);
		return;
	}
	s->tcp_relay_fds++;
	bufferevent_setcb(pc->peer_bev, NULL, NULL, connect_event_cb, pc);
	log_conn(pc, "incoming, ConnectionAttempt sent");
	send_connection_attempt(pc);
}

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct allocation *a = arg;

	(void)fd;
	(void)what;
	event_add(a->relay_ev, NULL);
}

static void accept_pause(struct allocation *a)
{
	struct timeval tv = { TCP_RELAY_ACCEPT_PAUSE_MS / 1000,
			      (TCP_RELAY_ACCEPT_PAUSE_MS % 1000) * 1000 };

	if (!a->tcp->resume)
		a->tcp->resume = evtimer_new(a->server->base, accept_resume_cb, a);
	if (!a->tcp->resume)
		return;
	log_warn("out of file descriptors: accepting TCP peers paused for %d ms",
		 TCP_RELAY_ACCEPT_PAUSE_MS);
	event_del(a->relay_ev);
	evtimer_add(a->tcp->resume, &tv);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct allocation *a = arg;
	struct turn_server *s = a->server;

	(void)what;
	turn_server_touch_clock(s);
	for (int i = 0; i < TCP_RELAY_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct tr_addr peer;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				accept_pause(a);
			return;
		}
		if (addr_from_sockaddr(&peer, (struct sockaddr *)&ss, len)) {
			close(fd);
			continue;
		}
		accept_peer(s, a, fd, &peer);
	}
}

int turn_tcp_relay_start(struct turn_server *s, struct allocation *a)
{
	a->tcp = calloc(1, sizeof(*a->tcp));
	if (!a->tcp)
		return TR_ENOMEM;
	a->relay_ev = event_new(s->base, a->relay_fd, EV_READ | EV_PERSIST, accept_cb, a);
	if (!a->relay_ev || event_add(a->relay_ev, NULL))
		return TR_ENOMEM;
	return 0;
}

void turn_tcp_relay_release(struct allocation *a)
{
	if (!a->tcp)
		return;
	while (a->tcp->conns)
		conn_free(a->tcp->conns);
	if (a->tcp->resume)
		event_free(a->tcp->resume);
	free(a->tcp);
	a->tcp = NULL;
}

/* ---- ConnectionBind (RFC 6062 5.4) ---- */

void turn_handle_connection_bind(struct turn_request *r)
{
	const struct stun_attr *id = stun_find(r->msg, STUN_ATTR_CONNECTION_ID);
	struct tcp_conn *c = r->pkt->link.tcp;
	struct tcp_peer_conn *pc = NULL;
	struct stun_builder b;
	uint32_t v;

	/* On a TCP/TLS connection of its own, never a control connection. */
	if (c && !r->alloc && !c->n_allocs && id && stun_attr_u32(id, &v) == 0)
		pc = conn_by_id(r->s, v);
	if (!pc || pc->state != PC_PENDING) {
		log_debug("ConnectionBind: no pending connection with that id");
		turn_respond_error(r, STUN_ERR_BAD_REQUEST);
		return;
	}
	if (!r->s->conf->no_auth && strcmp(pc->a->username, r->username)) {
		turn_respond_error(r, STUN_ERR_WRONG_CREDENTIALS);
		return;
	}
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	turn_response_send(r, &b);
	pair_start(pc, turn_tcp_conn_take(c));
}
