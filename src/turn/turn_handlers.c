/* The TURN methods of RFC 8656: Allocate (7), Refresh (7.3),
 * CreatePermission (9) and ChannelBind (11). Requests reach these
 * authenticated, with r->alloc set when the 5-tuple has an allocation. */
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "turn/turn_request.h"
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

	log_info("allocation %s: client %s relay %s user '%s' lifetime %u s", what,
		 addr_to_str(&a->ft.client, client, sizeof(client)),
		 addr_to_str(&a->relay_public, relay, sizeof(relay)),
		 esc_str(user, sizeof(user), a->username), lifetime);
}

static void respond_allocate_success(struct turn_request *r, const struct allocation *a,
				     const uint8_t *token)
{
	struct stun_builder b;
	uint64_t left = a->expires_ms > r->s->now_ms ? a->expires_ms - r->s->now_ms : 0;

	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relay_public);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, (uint32_t)((left + 999) / 1000));
	stun_add_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->pkt->ft.client);
	if (token)
		stun_add_attr(&b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	turn_response_send(r, &b);
}

/* RFC 8656 7.2 steps on the request's attributes: 0 and the relay
 * family, or the error code to answer. */
static int allocate_check_attributes(struct turn_request *r, int *family)
{
	const struct stun_msg *m = r->msg;
	const struct stun_attr *transport = stun_find(m, STUN_ATTR_REQUESTED_TRANSPORT);
	const struct stun_attr *raf = stun_find(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct stun_attr *even = stun_find(m, STUN_ATTR_EVEN_PORT);
	const struct stun_attr *token = stun_find(m, STUN_ATTR_RESERVATION_TOKEN);

	if (!transport || transport->len != 4)
		return 400;
	if (transport->value[0] != TURN_UDP)
		return 442;
	if (token && (even || raf))
		return 400;
	if (even && even->len != 1)
		return 400;
	if (token && token->len != 8)
		return 400;
	*family = r->s->relay4.present ? AF_INET : AF_INET6;
	if (raf) {
		if (raf->len != 4 || (raf->value[0] != 1 && raf->value[0] != 2))
			return 440;
		*family = raf->value[0] == 1 ? AF_INET : AF_INET6;
	}
	if (!(*family == AF_INET ? r->s->relay4.present : r->s->relay6.present))
		return 440;
	return 0;
}

static int quota_check(struct turn_request *r)
{
	const struct conf *c = r->s->conf;

	if (c->total_quota && alloc_table_count(r->s->allocs) >= c->total_quota)
		return 486;
	if (c->user_quota &&
	    alloc_table_count_user(r->s->allocs, r->username) >= c->user_quota)
		return 486;
	return 0;
}

/* Takes the reserved socket for token out of the reservation list. */
static int reservation_take(struct turn_server *s, const uint8_t *token,
			    struct tr_addr *bound)
{
	for (size_t i = 0; i < s->n_reservations; i++) {
		struct reservation *res = &s->reservations[i];
		int fd = res->fd;

		if (memcmp(res->token, token, 8))
			continue;
		*bound = res->bound;
		*res = s->reservations[--s->n_reservations];
		return fd;
	}
	return -1;
}

static int reservation_add(struct turn_server *s, int fd, const struct tr_addr *bound,
			   uint8_t token[8])
{
	struct reservation *res;

	if (s->n_reservations == s->cap_reservations) {
		size_t cap = s->cap_reservations ? s->cap_reservations * 2 : 8;
		struct reservation *grown = realloc(s->reservations, cap * sizeof(*grown));

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
	return 0;
}

/* Binds the relay socket: from a reservation, or from the pool (EVEN-PORT
 * with R=1 also reserves the next port). Returns fd or an error code. */
static int allocate_socket(struct turn_request *r, struct relay_family *rf,
			   struct tr_addr *bound, uint8_t *token, bool *reserved)
{
	const struct stun_attr *tok = stun_find(r->msg, STUN_ATTR_RESERVATION_TOKEN);
	const struct stun_attr *even = stun_find(r->msg, STUN_ATTR_EVEN_PORT);
	bool reserve = even && (even->value[0] & 0x80);
	struct tr_addr next_bound;
	int next_fd = -1, fd;

	*reserved = false;
	if (tok) {
		fd = reservation_take(r->s, tok->value, bound);
		return fd >= 0 ? fd : -508;
	}
	fd = port_pool_bind(rf->ports, &rf->ip, even != NULL, reserve, bound, &next_fd,
			    &next_bound);
	if (fd < 0)
		return -508;
	if (reserve) {
		if (reservation_add(r->s, next_fd, &next_bound, token)) {
			close(next_fd);
			port_pool_release(rf->ports, addr_port(&next_bound));
		} else {
			*reserved = true;
		}
	}
	return fd;
}

void turn_handle_allocate(struct turn_request *r)
{
	struct turn_server *s = r->s;
	struct relay_family *rf;
	struct allocation *a;
	struct tr_addr bound;
	uint8_t token[8];
	bool reserved;
	int family, code, fd;

	if (r->alloc) {
		/* RFC 8656 7.2: a retransmission gets the same success. */
		if (!memcmp(r->alloc->alloc_tid, r->msg->tid, STUN_TID_LEN))
			respond_allocate_success(r, r->alloc, NULL);
		else
			turn_respond_error(r, 437);
		return;
	}
	if (s->draining) {
		turn_respond_alternate(r);
		return;
	}
	code = allocate_check_attributes(r, &family);
	if (!code)
		code = quota_check(r);
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	rf = family == AF_INET ? &s->relay4 : &s->relay6;
	fd = allocate_socket(r, rf, &bound, token, &reserved);
	if (fd < 0) {
		log_warn("allocate: no relay port available");
		turn_respond_error(r, -fd);
		return;
	}
	/* A reserved socket brings its own family. */
	rf = addr_family(&bound) == AF_INET6 ? &s->relay6 : &s->relay4;
	a = alloc_table_insert(s->allocs, &r->pkt->ft);
	if (!a) {
		close(fd);
		port_pool_release(rf->ports, addr_port(&bound));
		turn_respond_error(r, 508);
		return;
	}
	a->server = s;
	a->link = r->pkt->link;
	if (a->link.tcp)
		a->link.tcp->n_allocs++;
	a->relay_fd = fd;
	a->relay = bound;
	a->relay_public = rf->external;
	addr_set_port(&a->relay_public, addr_port(&bound));
	memcpy(a->alloc_tid, r->msg->tid, STUN_TID_LEN);
	a->alloc_lifetime_s = requested_lifetime(r);
	if (!a->alloc_lifetime_s)
		a->alloc_lifetime_s = TURN_DEFAULT_LIFETIME;
	a->expires_ms = s->now_ms + (uint64_t)a->alloc_lifetime_s * 1000u;
	snprintf(a->username, sizeof(a->username), "%s", r->username);
	snprintf(a->realm, sizeof(a->realm), "%s", r->realm);
	a->cred = r->cred;
	a->had_fingerprint = r->fingerprint;
	if (turn_relay_watch(s, a)) {
		turn_allocation_delete(s, a, "out of memory");
		turn_respond_error(r, 508);
		return;
	}
	s->counters.allocations_created++;
	log_allocation("created", a, a->alloc_lifetime_s);
	respond_allocate_success(r, a, reserved ? token : NULL);
}

void turn_handle_refresh(struct turn_request *r)
{
	const struct stun_attr *raf =
		stun_find(r->msg, STUN_ATTR_REQUESTED_ADDRESS_FAMILY);
	struct stun_builder b;
	uint32_t lifetime;

	if (!r->alloc) {
		turn_respond_error(r, 437);
		return;
	}
	if (raf && (raf->len != 4 ||
		    (raf->value[0] == 1 ? AF_INET : AF_INET6) != addr_family(&r->alloc->relay))) {
		turn_respond_error(r, 443);
		return;
	}
	lifetime = requested_lifetime(r);
	if (lifetime == 0) {
		log_allocation("refreshed to 0", r->alloc, 0);
		turn_allocation_delete(r->s, r->alloc, "client deleted it");
		r->alloc = NULL;
	} else {
		r->alloc->expires_ms = r->s->now_ms + (uint64_t)lifetime * 1000u;
		log_allocation("refreshed", r->alloc, lifetime);
	}
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	turn_response_send(r, &b);
}

/* Decodes a XOR-PEER-ADDRESS and judges it: 0, or the error code (400
 * malformed, 403 refused by the filter, 443 family differs from the
 * relay's). */
static int peer_check(struct turn_request *r, const struct stun_attr *attr,
		      struct tr_addr *peer)
{
	char text[ADDR_STR_MAX], user[ESC_LOG_LEN];

	if (stun_attr_xor_addr(attr, r->msg->tid, peer)) {
		log_debug("undecodable XOR-PEER-ADDRESS");
		return 400;
	}
	/* The filter first: a refused address (::ffff:127.0.0.1 included) is
	 * 403 and counted as such, whatever the relay's family. */
	if (!peer_filter_allows(r->s->filter, peer)) {
		r->s->counters.peer_refused++;
		log_info("peer %s refused for user '%s'",
			 addr_ip_to_str(peer, text, sizeof(text)),
			 esc_str(user, sizeof(user), r->alloc->username));
		return 403;
	}
	if (addr_family(peer) != addr_family(&r->alloc->relay))
		return 443;
	return 0;
}

void turn_handle_create_permission(struct turn_request *r)
{
	const struct stun_msg *m = r->msg;
	struct tr_addr peers[STUN_MAX_ATTRS];
	size_t n = 0;
	struct stun_builder b;

	if (!r->alloc) {
		turn_respond_error(r, 437);
		return;
	}
	/* RFC 8656 9.2: all peers are checked before any is installed. */
	for (size_t i = 0; i < m->n_attrs; i++) {
		int code;

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
		turn_respond_error(r, 400);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (alloc_permission_add(r->alloc, &peers[i], r->s->now_ms,
					 r->s->conf->permission_lifetime)) {
			turn_respond_error(r, 508);
			return;
		}
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
	int code;

	if (!r->alloc) {
		turn_respond_error(r, 437);
		return;
	}
	if (!num || !peer_attr || stun_attr_u32(num, &v)) {
		log_debug("ChannelBind without CHANNEL-NUMBER or XOR-PEER-ADDRESS");
		turn_respond_error(r, 400);
		return;
	}
	number = (uint16_t)(v >> 16);
	code = peer_check(r, peer_attr, &peer);
	if (code) {
		turn_respond_error(r, code);
		return;
	}
	/* 11.2: bad number, or number/peer already bound elsewhere: 400. */
	if (alloc_channel_bind(r->alloc, number, r->s->channel_max, &peer, r->s->now_ms, c->channel_lifetime) ||
	    alloc_permission_add(r->alloc, &peer, r->s->now_ms, c->permission_lifetime)) {
		log_debug("ChannelBind 0x%04x: number or peer bound elsewhere", number);
		turn_respond_error(r, 400);
		return;
	}
	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	turn_response_send(r, &b);
}
