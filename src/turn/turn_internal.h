/* Private to src/turn: the server context, allocations and the pieces the
 * turn_*.c files share. Nothing outside src/turn includes this. */
#ifndef TR_TURN_INTERNAL_H
#define TR_TURN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth/auth.h"
#include "stun/stun.h"
#include "turn/turn.h"
#include "util/addr.h"
#include "util/htable.h"
#include "util/ratelimit.h"

struct event;
struct evconnlistener;
struct bufferevent;

/* Datagrams per recvmmsg call and the room for each: a whole UDP payload,
 * so nothing is ever truncated; pages are only touched where data lands. */
#define UDP_BATCH 16
#define UDP_SLOT 65536

enum turn_transport { TURN_UDP = 17, TURN_TCP = 6 };

/* ---- quotas (turn_quota.c): pure ---- */

/* A quota key: one letter for the kind of credential, then the name. */
#define TURN_QUOTA_KEY_MAX (AUTH_NAME_MAX + 1)
/* Whom an allocation counts against: the kind of credential ("L" long-term,
 * "R" REST) and the name a quota counts (auth_cred_user), so a long-term
 * user and a REST ID of the same name never share a count. */
void turn_quota_key(enum auth_kind kind, const char *username, char sep,
		    char out[TURN_QUOTA_KEY_MAX]);
/* The allocations and reserved ports one key may hold, 0 = unlimited:
 * user-quota, and for a room-minted credential (auth_room_member_id) also
 * member-quota when that is lower. *option names the one in force, for the
 * log line. */
size_t turn_quota_user_limit(const struct conf *c, enum auth_kind kind,
			     const char *username, const char **option);
/* total-quota, or when 0 the relay port range less a tenth: the relay never
 * hands out its last ports. */
size_t turn_quota_total_limit(const struct conf *c);

/* RFC 8656 2: an allocation is named by its client 5-tuple. */
struct five_tuple {
	enum turn_transport transport;
	struct tr_addr client;
	struct tr_addr server;
};

struct turn_permission {
	struct tr_addr peer; /* port ignored */
	uint64_t expires_ms;
};

struct turn_channel {
	uint16_t number;
	struct tr_addr peer;
	uint64_t expires_ms;
};

/* A UDP listener socket shared by every client that talks to it. */
struct udp_listener {
	struct turn_server *server;
	int fd;
	struct tr_addr local;
	struct event *ev;
};

/* One TCP client connection; its allocations die with it (RFC 8656 3.1). */
struct tcp_conn {
	struct turn_server *server;
	struct bufferevent *bev;
	struct tr_addr client, local;
	uint64_t opened_ms;
	unsigned n_allocs;       /* allocations riding on it */
	struct tls_queue *tls;   /* NULL for plain TCP */
	bool busy;               /* inside its read callback */
	bool closing;            /* close asked for while busy */
	struct front_slot *slot; /* owned: its connection-limit place */
	bool taken;              /* bev handed over (RFC 6062 data) */
	struct tcp_conn *prev, *next;
};

/* The next whole frame (STUN message or padded ChannelData) at the head of
 * a stream's input, made contiguous at *frame (valid until in changes; the
 * caller drains it): its length, 0 while incomplete, TR_EINVAL for a stream
 * that is neither STUN nor ChannelData (turn_stream.c). */
struct evbuffer;
ssize_t turn_stream_next(struct evbuffer *in, const uint8_t **frame);

/* Queues one message for a stream client, padded to 4 when ChannelData
 * (RFC 8656 12.5); over TLS each message goes out in a record of its own.
 * TR_EQUOTA when the client's output is full (dropped), TR_ENOMEM. */
int turn_stream_send(struct tcp_conn *c, const uint8_t *p, size_t len);

/* How bytes get back to an allocation's client: a shared UDP listener
 * socket, or the client's own TCP connection. Borrowed. */
struct dtls_session;
struct turn_dtls;

struct client_link {
	struct udp_listener *udp;
	struct tcp_conn *tcp;
	struct dtls_session *dtls;
};

/* Open addressing with linear probing: slot holds an entry index + 1 (0 =
 * empty); size is a power of two at least twice the entries, so a probe
 * always meets an empty slot. Rebuilt whenever entries move. */
struct alloc_index {
	uint32_t *slot;
	size_t size;
};

/* One direction's token bucket (turn_bandwidth.c). */
struct bw_bucket {
	int64_t millibytes; /* thousandths of a byte; may go below 0 */
	uint64_t last_ms;
};

struct allocation {
	/* In the allocation table by 5-tuple; next to ft so a lookup reads
	 * the chain link, the hash and the client address in one line. */
	struct htable_node node;
	struct five_tuple ft;
	struct client_link link;
	struct tr_addr relay;        /* bound address of relay_fd */
	struct tr_addr relay_public; /* what XOR-RELAYED-ADDRESS shows */
	int relay_fd;
	struct event *relay_ev;
	uint64_t expires_ms;
	uint8_t alloc_tid[STUN_TID_LEN]; /* answers a retransmitted Allocate */
	uint32_t alloc_lifetime_s;
	char username[AUTH_NAME_MAX];
	char realm[AUTH_REALM_MAX];
	struct auth_result cred;
	bool had_fingerprint;
	/* RFC 8656 7.2 dual stack (turn_dual.c): the relayed address of the
	 * other family, relay2_fd -1 when none; relay2_err (440, 508) and its
	 * family when the ADDITIONAL-ADDRESS-FAMILY could not be served. */
	struct tr_addr relay2, relay2_public;
	int relay2_fd;
	struct event *relay2_ev;
	uint16_t relay2_err;
	int relay2_err_family;
	/* RFC 8016 mobility (turn_mobility.c): ticket id (0: no ticket was
	 * asked for), tickets issued so far, its node in the id index. */
	uint64_t mob_id;
	uint32_t mob_gen;
	struct htable_node mob_node;
	/* Whom user-quota and member-quota count (turn_quota_key). */
	char quota_user[TURN_QUOTA_KEY_MAX];
	/* Dense arrays (order carries no meaning) plus hash indexes, so the
	 * packet path finds a permission or channel in O(1); entries are
	 * capped by max-permissions/max-channels-per-allocation. */
	struct turn_permission *perms;
	size_t n_perms, cap_perms;
	struct turn_channel *chans;
	size_t n_chans, cap_chans;
	struct alloc_index perm_ix, chan_num_ix, chan_peer_ix;
	uint32_t ix_seed;
	uint64_t bytes_to_peer, bytes_from_peer;
	uint64_t pkts_to_peer, pkts_from_peer;
	/* max-bps / member-max-bps in force (0 = none), and what of it is
	 * reserved against bps-capacity (turn_bandwidth.c). */
	uint32_t bps, bps_reserved;
	struct bw_bucket bw_to_peer, bw_from_peer;
	struct turn_server *server;
	struct tcp_relay *tcp;       /* RFC 6062 state; NULL for a UDP relay */
	struct offload_set *offload; /* channels the kernel relays (turn_offload.c) */
};

/* ---- allocation table (turn_alloc.c): pure, clock passed in ---- */

struct alloc_table;

struct alloc_table *alloc_table_new(void);
/* Frees the table and every allocation still in it, calling on_free for
 * each first (to release sockets) when given. */
void alloc_table_free(struct alloc_table *t, void (*on_free)(struct allocation *));
size_t alloc_table_count(const struct alloc_table *t);
/* Allocations whose quota_user is user. */
size_t alloc_table_count_user(const struct alloc_table *t, const char *user);
struct allocation *alloc_table_find(const struct alloc_table *t,
				    const struct five_tuple *ft);
/* A zeroed allocation for ft, inserted; NULL on allocation failure. */
struct allocation *alloc_table_insert(struct alloc_table *t, const struct five_tuple *ft);
/* Unlinks and frees a (on_free is the caller's business before this). */
void alloc_table_remove(struct alloc_table *t, struct allocation *a);
/* Calls fn for every allocation whose lifetime ended by now; fn must
 * remove it. Also drops expired permissions and channels of the others. */
void alloc_table_sweep(struct alloc_table *t, uint64_t now_ms,
		       void (*fn)(struct allocation *, void *), void *arg);
/* Re-keys a under a new 5-tuple (RFC 8016 mobility). */
void alloc_table_move(struct alloc_table *t, struct allocation *a,
		      const struct five_tuple *ft);
/* Iteration for admin and tests: calls fn for each allocation. */
void alloc_table_each(struct alloc_table *t, void (*fn)(struct allocation *, void *),
		      void *arg);

/* Installs or refreshes. Callers enforce max-permissions-per-allocation
 * beforehand (alloc_permission_ok tells a refresh from a new one). */
int alloc_permission_add(struct allocation *a, const struct tr_addr *peer,
			 uint64_t now_ms, uint32_t lifetime_s);
bool alloc_permission_ok(const struct allocation *a, const struct tr_addr *peer,
			 uint64_t now_ms);
/* RFC 8656 11.2 rules: number 0x4000-max_number (0x4FFF, or 0x7FFF for
 * RFC 5766 clients); a number bound to another peer, or a peer bound to
 * another number, is TR_EINVAL. Rebinding the same pair refreshes it. */
int alloc_channel_bind(struct allocation *a, uint16_t number, uint16_t max_number,
		       const struct tr_addr *peer, uint64_t now_ms, uint32_t lifetime_s);
/* A channel, live or expired, holds number or peer (RFC 8656 11.2). */
bool alloc_channel_exists(const struct allocation *a, uint16_t number,
			  const struct tr_addr *peer);
const struct turn_channel *alloc_channel_by_number(const struct allocation *a,
						   uint16_t number, uint64_t now_ms);
const struct turn_channel *alloc_channel_by_peer(const struct allocation *a,
						 const struct tr_addr *peer,
						 uint64_t now_ms);
void alloc_expire_children(struct allocation *a, uint64_t now_ms);

/* ---- relay port pool (turn_ports.c) ---- */

struct port_pool;

struct port_pool *port_pool_new(uint16_t min_port, uint16_t max_port);
void port_pool_free(struct port_pool *p);
/* Binds a UDP socket on ip (port from the pool, random start). With
 * even: an even port whose successor is also free; when reserve_next the
 * successor is bound too and returned in *next_fd. Returns the fd or a
 * negative error (TR_ENOPORT when the range is exhausted). */
int port_pool_bind(struct port_pool *p, const struct tr_addr *ip, bool even,
		   bool reserve_next, struct tr_addr *bound, int *next_fd,
		   struct tr_addr *next_bound);
/* A non-blocking UDP socket bound to addr (IPv6-only for IPv6, so the
 * two families never share one). The fd, or -1 with errno kept. */
int turn_udp_socket(const struct tr_addr *addr);

/* Binds a socket made by open (fd or -1 with errno) on ip with a port
 * from the pool, as port_pool_bind: TCP relays (RFC 6062) share it. */
int port_pool_bind_with(struct port_pool *p, const struct tr_addr *ip,
			int (*open)(const struct tr_addr *addr), struct tr_addr *bound);
/* Returns the port of a closed relay socket to the pool. */
void port_pool_release(struct port_pool *p, uint16_t port);
size_t port_pool_in_use(const struct port_pool *p);

/* ---- server internals shared by the turn_*.c files ---- */

/* Why an authentication failed, for logs and metrics. */
enum auth_failure {
	AUTH_FAIL_WRONG_CREDENTIALS,
	AUTH_FAIL_REST_EXPIRED,
	AUTH_FAIL_USERNAME_MISMATCH,
	AUTH_FAIL_BAD_INTEGRITY,
	AUTH_FAIL_UNKNOWN_REALM,
	AUTH_FAIL_COUNT
};

struct turn_counters {
	uint64_t allocations_created, allocations_deleted;
	uint64_t auth_failures[AUTH_FAIL_COUNT];
	uint64_t auth_rate_limited, peer_refused, stale_nonces;
	uint64_t malformed_dropped;
	uint64_t client_output_dropped; /* TCP/TLS client too slow to read */
	uint64_t relayed_pkts_in, relayed_pkts_out;
	uint64_t relayed_bytes_in, relayed_bytes_out;
	/* issue 13: [0] from peer, [1] to peer; requests ignored by
	 * stun-only / no-stun; Allocates refused by bps-capacity. */
	uint64_t bw_dropped_pkts[2], bw_dropped_bytes[2];
	uint64_t stun_mode_ignored, bps_capacity_refused;
	/* relay-offload: what the kernel relayed, [0] from peer, [1] to
	 * peer (also counted in relayed_*). */
	uint64_t offload_pkts[2], offload_bytes[2];
};

struct reservation {
	uint8_t token[8];
	int fd;
	struct tr_addr bound;
	uint64_t expires_ms;
	/* The reserving allocation's quota_user: a held port counts against
	 * that user and the total until it expires or is taken. */
	char quota_user[TURN_QUOTA_KEY_MAX];
};

struct relay_family {
	bool present;
	struct tr_addr ip;       /* local bind address, port 0 */
	struct tr_addr external; /* advertised; equals ip without external-ip */
	struct port_pool *ports;
};

/* Descriptors: relay sockets must not eat the ones listeners and the
 * control socket need (turn_fds.c). open is counted from /proc/self/fd
 * now and then; relay sockets made since are added from relay_at_count. */
struct fd_budget {
	size_t limit;          /* RLIMIT_NOFILE soft limit at the last count */
	size_t open;           /* descriptors open at the last count */
	size_t relay_at_count; /* allocations + reservations at that count */
	uint64_t counted_ms;
	uint64_t refused; /* Allocates answered 508 for it */
};

struct turn_server {
	struct event_base *base; /* borrowed */
	const struct conf *conf; /* borrowed */
	struct auth *auth;       /* borrowed */
	struct peer_filter *filter;
	struct alloc_table *allocs;
	struct auth_limiter *auth_failures; /* per source, username, total */
	struct relay_family relay4, relay6;
	struct udp_listener **udp;
	size_t n_udp;
	struct tcp_conn *conns; /* list of live TCP connections */
	struct turn_dtls *dtls; /* NULL without cert or with no-dtls */
	struct reservation *reservations;
	size_t n_reservations, cap_reservations;
	struct event *cron;
	uint8_t nonce_key[AUTH_SERVER_KEY_LEN];
	uint64_t now_ms; /* refreshed once per I/O batch */
	int64_t now_wall_s;
	struct turn_counters counters;
	char software[64];
	/* Batch buffers for recvmmsg; the loop is single-threaded, so one
	 * set serves every listener (UDP_BATCH slots of UDP_SLOT bytes). */
	uint8_t *udp_scratch;
	uint64_t indication_seq;
	uint8_t indication_prefix[4]; /* random, independent of nonce_key */
	uint16_t channel_max;         /* 0x4FFF, 0x7FFF with rfc5766-channel-numbers */
	bool draining;                /* no new allocations (turn_drain.c) */
	size_t alt_next;              /* round robin over alternate-server */
	struct fd_budget fds;
	uint64_t limit_log_ms, limit_log_skipped; /* refusals logged 1/s */
	struct mobility *mobility;                /* RFC 8016 tickets (turn_mobility.c) */
	uint64_t bps_granted;                     /* sum of bps_reserved (bps-capacity) */
	uint64_t binding_log_ms, binding_log_n, binding_log_skipped; /* log-binding */
	/* RFC 6062 (turn_tcp_relay.c): peer connections by CONNECTION-ID. */
	struct htable tcp_conns; /* RFC 6062 peer connections by id (turn_tcp_relay.c) */
	size_t tcp_conn_count, tcp_relay_fds;
	struct offload *offload; /* relay-offload; NULL: userspace only */
};

/* A datagram or frame that arrived from a client. */
struct client_packet {
	const uint8_t *data;
	size_t len;
	struct five_tuple ft;
	struct client_link link;
};

void turn_server_touch_clock(struct turn_server *s);

/* One recvmmsg batch into the server's scratch slots, each datagram at
 * offset headroom of its slot (room for a header written in place). */
struct recv_batch {
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
};
/* Returns the number of datagrams (0 when none) and refreshes the clock. */
int turn_recv_batch(struct turn_server *s, int fd, size_t headroom, struct recv_batch *b);
/* The sender of datagram i; TR_EINVAL for an unusable address. */
int turn_batch_sender(const struct recv_batch *b, int i, struct tr_addr *from);
/* Sends to an allocation's or a request's client; over TCP, ChannelData is
 * padded to 4 (RFC 8656 12.5). */
void turn_send_to_client(struct turn_server *s, const struct client_link *link,
			 const struct tr_addr *client, const uint8_t *p, size_t len);
/* A fresh transaction id for an indication we send (turn_relay.c). */
void turn_indication_tid(struct turn_server *s, uint8_t tid[STUN_TID_LEN]);
/* Entry point for every client packet (turn_request.c). */
void turn_handle_client_packet(struct turn_server *s, const struct client_packet *pkt);
/* ChannelData from a client (turn_relay.c). */
void turn_relay_channeldata(struct turn_server *s, const struct client_packet *pkt);
/* Send indication payload to a peer (turn_relay.c). */
void turn_relay_to_peer(struct turn_server *s, struct allocation *a,
			const struct tr_addr *peer, const uint8_t *p, size_t len);
/* Starts watching an allocation's relay socket (turn_relay.c). */
int turn_relay_watch(struct turn_server *s, struct allocation *a);
/* The same for another relay socket fd of a (dual stack). */
int turn_relay_watch_fd(struct turn_server *s, struct allocation *a, int fd,
			struct event **ev);

/* Dual-stack allocations (turn_dual.c). The relay socket for a peer of
 * this family, -1 when the allocation has none. */
int turn_dual_fd_for(const struct allocation *a, int family);
/* Closes the second relay socket and returns its port (s may be NULL at
 * shutdown). */
void turn_dual_release(struct turn_server *s, struct allocation *a);

/* Mobility (turn_mobility.c). The allocation a Refresh's MOBILITY-TICKET
 * names, when mobility is on and the ticket is genuine; else NULL. */
struct allocation *turn_mobility_lookup(struct turn_server *s, const struct stun_msg *m);
/* The client connection (TCP, TLS, DTLS) of a mobile allocation closed:
 * true when a stays, with no client link, until a Refresh with its ticket
 * moves it or its lifetime ends (RFC 8016 3.2); false: delete it. */
bool turn_mobility_suspend(struct turn_server *s, struct allocation *a);
/* Drops a from the ticket index (before it is freed). */
void turn_mobility_forget(struct turn_server *s, struct allocation *a);
void turn_mobility_free(struct turn_server *s);
/* Closes sockets, returns ports, removes and frees the allocation. */
void turn_allocation_delete(struct turn_server *s, struct allocation *a, const char *why);
/* Deletes every allocation whose client link is this TCP connection or
 * this DTLS session (one of them NULL). */
void turn_delete_allocations_of_link(struct turn_server *s, struct tcp_conn *c,
				     struct dtls_session *d);

/* TURN over DTLS (turn_dtls.c). */
int turn_dtls_start(struct turn_server *s);
void turn_dtls_stop(struct turn_server *s);
/* Handshake retransmissions and idle sessions, from the cron. */
void turn_dtls_tick(struct turn_server *s);
struct ssl_ctx_st;
/* Reload in two phases: a new context from conf (NULL, and 0, when there
 * is no DTLS listener or no cert); then the swap, which cannot fail and
 * takes ownership of ctx (NULL: nothing changes). */
int turn_dtls_reload_prepare(struct turn_server *s, const struct conf *conf,
			     struct ssl_ctx_st **out, char *err, size_t errlen);
void turn_dtls_reload_commit(struct turn_server *s, struct ssl_ctx_st *ctx);
void turn_dtls_send(struct dtls_session *d, const uint8_t *p, size_t len);
/* Appends the DTLS gauges and counters (zeros without DTLS). */
void turn_dtls_write_metrics(struct turn_server *s, struct evbuffer *out);

/* Relay sockets that would leave fewer than fd-reserve descriptors free
 * (turn_fds.c): true when Allocate must answer 508. want is 1, or 2 for a
 * reserved pair. */
bool turn_fds_exhausted(struct turn_server *s, size_t want);
/* The reserve in force: fd-reserve, or max(64, limit / 10) when 0. */
size_t turn_fds_reserve(const struct turn_server *s);
/* From the cron: recounts open descriptors when it matters. */
void turn_fds_tick(struct turn_server *s);

/* Closes TCP/TLS connections without an allocation for
 * max-allocate-timeout (60 s, as coturn): idle sockets are not free. */
void turn_tcp_expire_idle(struct turn_server *s);

/* Bandwidth (turn_bandwidth.c): false when the allocation's bucket for
 * that direction is empty (the packet is dropped and counted); and the
 * release of its bps-capacity reservation when it goes. */
bool turn_bw_pass(struct turn_server *s, struct allocation *a, bool to_peer, size_t len);
void turn_bw_release(struct turn_server *s, struct allocation *a);
/* A stream's len bytes charged to the same bucket (never dropped): 0, or
 * the ms to stop reading until the bucket refills above zero. */
uint32_t turn_bw_stream_wait(struct turn_server *s, struct allocation *a, bool to_peer,
			     size_t len);
/* The largest single read under a's limit (its burst), within
 * [cap_min, cap_max]; cap_max when unlimited. */
size_t turn_bw_stream_read_max(const struct allocation *a, size_t cap_min,
			       size_t cap_max);
/* Appends the bandwidth and STUN-mode counters (Prometheus text). */
void turn_bw_write_metrics(struct turn_server *s, struct evbuffer *out);

/* relay-offload (turn_offload.c). _start: 0, or TR_EIO when relay-offload
 * is xdp or tc and cannot be had (auto logs and goes on). _sync puts the
 * allocation's live channels in the kernel's maps and removes the others
 * (after ChannelBind, CreatePermission, Refresh, a mobility move); _drop
 * removes them all (before the allocation goes); _collect adds what the
 * kernel relayed to the counters (before they are read); _tick, from the
 * cron, also drops expired entries and refreshes next hops. */
struct offload;
struct offload_set;
int turn_offload_start(struct turn_server *s);
void turn_offload_stop(struct turn_server *s);
void turn_offload_sync(struct turn_server *s, struct allocation *a);
void turn_offload_drop(struct turn_server *s, struct allocation *a);
void turn_offload_collect(struct turn_server *s);
void turn_offload_tick(struct turn_server *s);
void turn_offload_write_metrics(struct turn_server *s, struct evbuffer *out);

/* Listeners (turn_listen.c). */
int turn_listen_start(struct turn_server *s);
void turn_listen_stop(struct turn_server *s);
/* One UDP listening socket, for plain TURN and DTLS alike: bound to addr
 * (turn_udp_socket), socket buffers of buf bytes each way (0: the
 * kernel's), and a persistent read event on base calling cb(fd, what,
 * arg). kind ("UDP", "DTLS") names it in the one log line. 0 with *fd and
 * *ev set; TR_EIO (cannot bind, logged) or TR_ENOMEM, nothing left open. */
int turn_udp_listener_open(struct event_base *base, const struct tr_addr *addr,
			   const char *kind, int buf, void (*cb)(int, short, void *),
			   void *arg, int *fd, struct event **ev);

#endif
