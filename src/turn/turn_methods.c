/* The TURN methods of RFC 8656: Allocate (7), Refresh (7.3),
 * CreatePermission (9) and ChannelBind (11). Requests reach these
 * authenticated, with r->alloc set when the 5-tuple has an allocation. */
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
#include "turn/turn_tcp_relay.h"
#include "util/bytes.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

/* RFC 8656 7.1: the default allocation lifetime. */
#define TURN_DEFAULT_LIFETIME 600u
/* RFC 8656 14.9: a reserved port is kept about 30 s. */
#define TURN_RESERVATION_MS 30000u

/* Requested lifetime, clamped as coturn does: absent or under the default
 * gives the default, above max-allocate-lifetime gives that maximum. 0
 * stays 0 (Refresh deletes). */
static uint32_t requested_lifetime(const struct turn_request *r)
{
	const struct stun_attr *attr = stun_find(r->msg, STUN_ATTR_LIFETIME);
	uint32_t max = r->s->conf->max_allocate_lifetime;
	uint32_t want = TURN_DEFAULT_LIFETIME;

	if (attr && stun_attr_u32(attr, &want) == 0 && want == 0)
		return 0;
	if (want < TURN_DEFAULT_LIFETIME)
		want = TURN_DEFAULT_LIFETIME;
	return want > max ? max : want;
}

static void log_allocation(const char *what, const struct allocation *a,
			   uint32_t lifetime)
{
	char client[ADDR_STR_MAX], relay[ADDR_STR_MAX], user[ESC_LOG_LEN];
	char relay2[ADDR_STR_MAX + 1] = "";

	if (a->relay2_fd >= 0) {
		relay2[0] = ',';
		addr_to_str(&a->relay2_public, relay2 + 1, sizeof(relay2) - 1);
	}
	log_info("allocation %s: client %s relay %s%s user '%s' lifetime %u s", what,
		 addr_to_str(&a->ft.client, client, sizeof(client)),
		 addr_to_str(&a->relay_public, relay, sizeof(relay)), relay2,
		 esc_str(user, sizeof(user), a->username), lifetime);
}

static void respond_allocate_success(struct turn_request *r, struct allocation *a,
				     const uint8_t *token)
{
	struct stun_builder b;
	uint64_t left = a->expires_ms > r->s->now_ms ? a->expires_ms - r->s->now_ms : 0;

	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relay_public);
	turn_dual_add_response(r, a, &b);
	turn_mobility_add_ticket(r, a, &b, false);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, (uint32_t)((left + 999) / 1000));
	stun_add_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->pkt->ft.client);
	if (token)
		stun_add_attr(&b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	turn_response_send(r, &b);
}

/* RFC 8656 7.2 steps on the request's attributes: 0 and the relay
 * families (turn_dual_families), or the error code to answer. */
static enum stun_error allocate_check_attributes(struct turn_request *r, int *family,
						 int *second, enum stun_error *second_err,
						 int *second_err_family)
{
	const struct stun_msg *m = r->msg;
	const struct stun_attr *transport = stun_find(m, STUN_ATTR_REQUESTED_TRANSPORT);
	const struct stun_attr *raf = stun_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *even = stun_find(m, STUN_ATTR_EVEN_PORT);
	const struct stun_attr *token = stun_find(m, STUN_ATTR_RESERVATION_TOKEN);
	enum stun_error code;

	if (!transport || transport->len != 4)
		return STUN_ERR_BAD_REQUEST;
	if (turn_transport_refused(r, transport->value[0]))
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	if (turn_tcp_relay_requested(m)) {
		code = turn_tcp_relay_check_allocate(r);
		if (code)
			return code;
	} else if (transport->value[0] != TURN_UDP) {
		return STUN_ERR_UNSUPPORTED_TRANSPORT;
	}
	if (token && (even || raf))
		return STUN_ERR_BAD_REQUEST;
	if (even && even->len != 1)
		return STUN_ERR_BAD_REQUEST;
	if (token && token->len != 8)
		return STUN_ERR_BAD_REQUEST;
	code = turn_dual_families(r, family, second, second_err, second_err_family);
	return code ? code : turn_mobility_allocate_check(r);
}

/* A limit refused a request: one log line a second at most, since an
 * authenticated client can repeat the request in a loop. */
static void log_refusal(struct turn_request *r, enum stun_error code, const char *why)
{
	struct turn_server *s = r->s;
	char client[ADDR_STR_MAX];

	if (s->limit_log_ms && s->now_ms - s->limit_log_ms < 1000) {
		s->limit_log_skipped++;
		return;
	}
	log_warn("%d to client %s user '%s': %s (%llu similar refusals not logged)",
		 (int)code, addr_to_str(&r->pkt->ft.client, client, sizeof(client)),
		 r->username, why, (unsigned long long)s->limit_log_skipped);
	s->limit_log_ms = s->now_ms;
	s->limit_log_skipped = 0;
}

static size_t reservations_of(const struct turn_server *s, const char *user)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_reservations; i++)
		n += !strcmp(s->reservations[i].quota_user, user);
	return n;
}

/* 486 when the user or the server holds its quota of allocations and
 * reserved ports; taking a reservation (taken, may be NULL) frees the
 * port it counts, so it is not counted. */
static enum stun_error quota_check(struct turn_request *r, const char *user,
				   const struct reservation *taken)
{
	struct turn_server *s = r->s;
	size_t total = alloc_table_count(s->allocs) + s->n_reservations;
	const char *option;
	size_t limit = turn_quota_user_limit(s->conf, r->cred.kind, r->username, &option);
	char why[64];

	if (taken)
		total--;
	if (total >= turn_quota_total_limit(s->conf)) {
		log_refusal(r, STUN_ERR_QUOTA_REACHED, "total-quota reached");
		return STUN_ERR_QUOTA_REACHED;
	}
	if (limit) {
		size_t held = alloc_table_count_user(s->allocs, user) +
			      reservations_of(s, user);

		if (taken && !strcmp(taken->quota_user, user))
			held--;
		if (held >= limit) {
			snprintf(why, sizeof(why), "%s reached", option);
			log_refusal(r, STUN_ERR_QUOTA_REACHED, why);
			return STUN_ERR_QUOTA_REACHED;
		}
	}
	return 0;
}

static struct reservation *reservation_find(struct turn_server *s, const uint8_t *token)
{
	for (size_t i = 0; i < s->n_reservations; i++)
		if (!memcmp(s->reservations[i].token, token, 8))
			return &s->reservations[i];
	return NULL;
}

/* Takes the reserved socket res out of the reservation list. */
static int reservation_take(struct turn_server *s, struct reservation *res,
			    struct tr_addr *bound)
{
	int fd = res->fd;

	*bound = res->bound;
	*res = s->reservations[--s->n_reservations];
	return fd;
}

static int reservation_add(struct turn_server *s, int fd, const struct tr_addr *bound,
			   const char *user, uint8_t token[8])
{
	struct reservation *res;

	if (s->n_reservations == s->cap_reservations) {
		size_t cap = s->cap_reservations ? s->cap_reservations * 2 : 8;
		struct reservation *grown =
			realloc(s->reservations, cap * sizeof(*grown));

		if (!grown)
			return TR_ENOMEM;
		s->reservations = grown;
		s->cap_reservations = cap;
	}
	if (RAND_bytes(token, 8) != 1)
		return TR_EIO;
	res = &s->reservations[s->n_reservations++];
	memcpy(res->token, token, 8);
	res->fd = fd;
	res->bound = *bound;
	res->expires_ms = s->now_ms + TURN_RESERVATION_MS;
	snprintf(res->quota_user, sizeof(res->quota_user), "%s", user);
	return 0;
}

/* Binds the relay socket: from the reservation res when given, or from
 * the pool (EVEN-PORT with R=1 also reserves the next port for user).
 * Returns the fd, or -1 with *code set (logged here). */
static int allocate_socket(struct turn_request *r, struct relay_family *rf,
			   struct reservation *res, const char *user,
			   struct tr_addr *bound, uint8_t *token, bool *reserved,
			   enum stun_error *code)
{
	const struct stun_attr *even = stun_find(r->msg, STUN_ATTR_EVEN_PORT);
	bool reserve = even && (even->value[0] & 0x80);
	struct tr_addr next_bound;
	int next_fd = -1, fd;

	*reserved = false;
	if (res)
		return reservation_take(r->s, res, bound);
	if (turn_tcp_relay_requested(r->msg))
		fd = turn_tcp_relay_bind(rf, bound);
	else
		fd = port_pool_bind(rf->ports, &rf->ip, even != NULL, reserve, bound,
				    &next_fd, &next_bound);
	if (fd < 0) {
		/* RFC 8656 7.2: no relayed address to give is 508. */
		*code = STUN_ERR_INSUFFICIENT_CAPACITY;
		log_refusal(r, *code, "no relay port available");
		return -1;
	}
	if (reserve) {
		if (reservation_add(r->s, next_fd, &next_bound, user, token)) {
			close(next_fd);
			port_pool_release(rf->ports, addr_port(&next_bound));
		} else {
			*reserved = true;
		}
	}
	return fd;
}

/* The checks after the attributes: a known token, the quotas, and the
 * descriptors a new relay socket (two for a reserved pair) would take.
 * 0 or the error code; *res is the reservation to take, or NULL. */
static enum stun_error allocate_admit(struct turn_request *r, const char *user,
				      struct reservation **res)
{
	const struct stun_attr *tok = stun_find(r->msg, STUN_ATTR_RESERVATION_TOKEN);
	const struct stun_attr *even = stun_find(r->msg, STUN_ATTR_EVEN_PORT);
	enum stun_error code;

	*res = NULL;
	if (tok) {
		/* RFC 8656 7.2 step 6: a token that names no reserved port
		 * (never issued, taken, or past its 30 s) is 508. */
		*res = reservation_find(r->s, tok->value);
		if (!*res) {
			log_refusal(r, STUN_ERR_INSUFFICIENT_CAPACITY,
				    "reservation token unknown or expired");
			return STUN_ERR_INSUFFICIENT_CAPACITY;
		}
	}
	code = quota_check(r, user, *res);
	if (!code)
		code = turn_bw_admit(r);
	if (code)
		return code;
	if (!*res && turn_fds_exhausted(r->s, even && (even->value[0] & 0x80) ? 2 : 1)) {
		log_refusal(r, STUN_ERR_INSUFFICIENT_CAPACITY,
			    "file descriptor reserve reached (fd-reserve)");
		return STUN_ERR_INSUFFICIENT_CAPACITY;
	}
	return 0;
}

/* A new allocation for the request's 5-tuple on the relay socket fd bound
 * to bound, filled from the request; NULL when the table cannot grow, and
 * then fd is closed, its port released and 508 answered. */
static struct allocation *allocation_insert(struct turn_request *r, int fd,
					    const struct tr_addr *bound, const char *user)
{
	struct turn_server *s = r->s;
	/* A reserved socket brings its own family. */
	const struct relay_family *rf =
		addr_family(bound) == AF_INET6 ? &s->relay6 : &s->relay4;
	struct allocation *a = alloc_table_insert(s->allocs, &r->pkt->ft);

	if (!a) {
		close(fd);
		port_pool_release(rf->ports, addr_port(bound));
		turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
		return NULL;
	}
	a->server = s;
	a->link = r->pkt->link;
	if (a->link.tcp)
		a->link.tcp->n_allocs++;
	a->relay_fd = fd;
	a->relay = *bound;
	a->relay_public = rf->external;
	addr_set_port(&a->relay_public, addr_port(bound));
	memcpy(a->alloc_tid, r->msg->tid, STUN_TID_LEN);
	a->alloc_lifetime_s = requested_lifetime(r);
	if (!a->alloc_lifetime_s)
		a->alloc_lifetime_s = TURN_DEFAULT_LIFETIME;
	a->expires_ms = s->now_ms + (uint64_t)a->alloc_lifetime_s * 1000u;
	snprintf(a->username, sizeof(a->username), "%s", r->username);
	snprintf(a->realm, sizeof(a->realm), "%s", r->realm);
	snprintf(a->quota_user, sizeof(a->quota_user), "%s", user);
	a->cred = r->cred;
	a->had_fingerprint = r->fingerprint;
	return a;
}

/* Bandwidth, the second family, the relay's watch and mobility for the new
 * allocation a; false (a deleted, 508 answered) when one cannot start. */
static bool allocation_start(struct turn_request *r, struct allocation *a, int second)
{
	turn_bw_grant(r, a);
	if (second)
		turn_dual_open(r, a, second);
	if ((turn_tcp_relay_requested(r->msg) ? turn_tcp_relay_start(r->s, a)
					      : turn_relay_watch(r->s, a)) ||
	    turn_mobility_enable(r, a)) {
		turn_allocation_delete(r->s, a, "out of memory");
		turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
		return false;
	}
	return true;
}

/* An Allocate on a 5-tuple that has one (RFC 8656 7.2): a retransmission
 * gets the same success, anything else 437. */
static void allocate_again(struct turn_request *r)
{
	if (!memcmp(r->alloc->alloc_tid, r->msg->tid, STUN_TID_LEN))
		respond_allocate_success(r, r->alloc, NULL);
	else
		turn_respond_error(r, STUN_ERR_ALLOCATION_MISMATCH);
}

void turn_handle_allocate(struct turn_request *r)
{
	struct turn_server *s = r->s;
	struct reservation *res;
	struct allocation *a;
	struct tr_addr bound;
	char user[TURN_QUOTA_KEY_MAX];
	uint8_t token[8];
	bool reserved;
	enum stun_error code, second_err;
	int family, second, second_err_family, fd;

	if (r->alloc) {
		allocate_again(r);
		return;
	}
	if (s->draining) {
		turn_respond_alternate(r);
		return;
	}
	turn_quota_key(r->cred.kind, r->username, s->conf->rest_api_separator, user);
	code = allocate_check_attributes(r, &family, &second, &second_err,
					 &second_err_family);
	if (!code)
		code = allocate_admit(r, user, &res);
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	fd = allocate_socket(r, family == AF_INET ? &s->relay4 : &s->relay6, res, user,
			     &bound, token, &reserved, &code);
	if (fd < 0) {
		turn_respond_error(r, code);
		return;
	}
	a = allocation_insert(r, fd, &bound, user);
	if (!a)
		return;
	a->relay2_err = (uint16_t)second_err;
	a->relay2_err_family = second_err_family;
	if (!allocation_start(r, a, second))
		return;
	s->counters.allocations_created++;
	log_allocation("created", a, a->alloc_lifetime_s);
	respond_allocate_success(r, a, reserved ? token : NULL);
}

void turn_handle_refresh(struct turn_request *r)
{
	struct stun_builder b;
	uint32_t lifetime = requested_lifetime(r);
	bool done;
	enum stun_error code = turn_mobility_refresh(r);

	if (!code && !r->alloc)
		code = STUN_ERR_ALLOCATION_MISMATCH;
	if (!code)
		code = turn_dual_refresh(r, lifetime, &done);
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	if (done)
		return;
	if (lifetime == 0) {
		log_allocation("refreshed to 0", r->alloc, 0);
		turn_allocation_delete(r->s, r->alloc, "client deleted it");
		r->alloc = NULL;
	} else {
		r->alloc->expires_ms = r->s->now_ms + (uint64_t)lifetime * 1000u;
		log_allocation("refreshed", r->alloc, lifetime);
		turn_offload_sync(r->s, r->alloc);
	}
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	if (r->alloc && stun_find(r->msg, STUN_ATTR_MOBILITY_TICKET))
		turn_mobility_add_ticket(r, r->alloc, &b, true);
	turn_response_send(r, &b);
}

/* Decodes a XOR-PEER-ADDRESS and judges it: 0, or the error code (400
 * malformed, 403 refused by the filter, 443 family differs from the
 * relay's). */
static enum stun_error peer_check(struct turn_request *r, const struct stun_attr *attr,
				  struct tr_addr *peer)
{
	char text[ADDR_STR_MAX], user[ESC_LOG_LEN];

	if (stun_attr_xor_addr(attr, r->msg->tid, peer)) {
		log_debug("undecodable XOR-PEER-ADDRESS");
		return STUN_ERR_BAD_REQUEST;
	}
	/* The filter first: a refused address (::ffff:127.0.0.1 included) is
	 * 403 and counted as such, whatever the relay's family. */
	if (!peer_filter_allows(r->s->filter, peer)) {
		r->s->counters.peer_refused++;
		log_info("peer %s refused for user '%s'",
			 addr_ip_to_str(peer, text, sizeof(text)),
			 esc_str(user, sizeof(user), r->alloc->username));
		return STUN_ERR_FORBIDDEN;
	}
	if (turn_dual_fd_for(r->alloc, addr_family(peer)) < 0)
		return STUN_ERR_PEER_FAMILY_MISMATCH;
	return 0;
}

/* True (and logged) when installing peers[0..n) would take the allocation
 * past max-permissions-per-allocation. Expired entries go first, and a
 * peer already permitted or repeated in the request is no new entry. */
static bool permissions_over_cap(struct turn_request *r, const struct tr_addr *peers,
				 size_t n)
{
	struct allocation *a = r->alloc;
	size_t fresh = 0;

	alloc_expire_children(a, r->s->now_ms);
	for (size_t i = 0; i < n; i++) {
		bool seen = alloc_permission_ok(a, &peers[i], r->s->now_ms);

		for (size_t j = 0; !seen && j < i; j++)
			seen = addr_equal_ip(&peers[j], &peers[i]);
		fresh += !seen;
	}
	if (a->n_perms + fresh <= r->s->conf->max_permissions_per_allocation)
		return false;
	log_refusal(r, STUN_ERR_INSUFFICIENT_CAPACITY,
		    "max-permissions-per-allocation reached");
	return true;
}

/* The same for ChannelBind: a new channel past max-channels-per-allocation,
 * or the permission it installs past max-permissions-per-allocation. */
static bool channel_over_cap(struct turn_request *r, uint16_t number,
			     const struct tr_addr *peer)
{
	struct allocation *a = r->alloc;

	if (number < CHANNEL_MIN || number > r->s->channel_max)
		return false; /* 400 below */
	if (permissions_over_cap(r, peer, 1))
		return true;
	if (alloc_channel_exists(a, number, peer) ||
	    a->n_chans < r->s->conf->max_channels_per_allocation)
		return false;
	log_refusal(r, STUN_ERR_INSUFFICIENT_CAPACITY,
		    "max-channels-per-allocation reached");
	return true;
}

void turn_handle_create_permission(struct turn_request *r)
{
	const struct stun_msg *m = r->msg;
	struct tr_addr peers[STUN_MAX_ATTRS];
	size_t n = 0;
	struct stun_builder b;

	if (!r->alloc) {
		turn_respond_error(r, STUN_ERR_ALLOCATION_MISMATCH);
		return;
	}
	/* RFC 8656 9.2: all peers are checked before any is installed. */
	for (size_t i = 0; i < m->n_attrs; i++) {
		enum stun_error code;

		if (m->attrs[i].type != STUN_ATTR_XOR_PEER_ADDRESS)
			continue;
		code = peer_check(r, &m->attrs[i], &peers[n]);
		if (code) {
			turn_respond_error(r, code);
			return;
		}
		n++;
	}
	if (n == 0) {
		turn_respond_error(r, STUN_ERR_BAD_REQUEST);
		return;
	}
	if (permissions_over_cap(r, peers, n)) {
		turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (alloc_permission_add(r->alloc, &peers[i], r->s->now_ms,
					 r->s->conf->permission_lifetime)) {
			turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
			return;
		}
	turn_offload_sync(r->s, r->alloc);
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	turn_response_send(r, &b);
}

void turn_handle_channel_bind(struct turn_request *r)
{
	const struct stun_attr *num = stun_find(r->msg, STUN_ATTR_CHANNEL_NUMBER);
	const struct stun_attr *peer_attr = stun_find(r->msg, STUN_ATTR_XOR_PEER_ADDRESS);
	const struct conf *c = r->s->conf;
	struct stun_builder b;
	struct tr_addr peer;
	uint32_t v;
	uint16_t number;
	enum stun_error code;

	if (!r->alloc) {
		turn_respond_error(r, STUN_ERR_ALLOCATION_MISMATCH);
		return;
	}
	if (!num || !peer_attr || stun_attr_u32(num, &v)) {
		log_debug("ChannelBind without CHANNEL-NUMBER or XOR-PEER-ADDRESS");
		turn_respond_error(r, STUN_ERR_BAD_REQUEST);
		return;
	}
	number = (uint16_t)(v >> 16);
	code = peer_check(r, peer_attr, &peer);
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	if (channel_over_cap(r, number, &peer)) {
		turn_respond_error(r, STUN_ERR_INSUFFICIENT_CAPACITY);
		return;
	}
	/* 11.2: bad number, or number/peer already bound elsewhere: 400. */
	if (alloc_channel_bind(r->alloc, number, r->s->channel_max, &peer, r->s->now_ms,
			       c->channel_lifetime) ||
	    alloc_permission_add(r->alloc, &peer, r->s->now_ms, c->permission_lifetime)) {
		log_debug("ChannelBind 0x%04x: number or peer bound elsewhere", number);
		turn_respond_error(r, STUN_ERR_BAD_REQUEST);
		return;
	}
	turn_offload_sync(r->s, r->alloc);
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	turn_response_send(r, &b);
}
