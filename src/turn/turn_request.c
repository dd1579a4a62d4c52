/* STUN/TURN requests: parsing, the long-term credential check (RFC 8489
 * 9.2) and dispatch to one handler per method. */
#include <stddef.h>
#include <string.h>

#include "conf/conf.h"
#include "turn/turn_internal.h"
#include "turn/turn_request.h"
#include "turn/turn_tcp_relay.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

void turn_response_start(struct turn_request *r, struct stun_builder *b,
			 enum stun_class cls)
{
	stun_build_start(b, r->out, sizeof(r->out), r->msg->method, cls, r->msg->tid);
}

void turn_response_send(struct turn_request *r, struct stun_builder *b)
{
	struct turn_server *s = r->s;
	ssize_t n;

	if (!s->conf->no_software_attribute)
		stun_add_string(b, STUN_ATTR_SOFTWARE, s->software);
	if (r->key)
		stun_add_integrity(b, r->key, AUTH_KEY_LEN);
	if (r->fingerprint)
		stun_add_fingerprint(b);
	n = stun_build_finish(b);
	if (n < 0) {
		log_err("response did not fit its buffer");
		return;
	}
	turn_send_to_client(s, &r->pkt->link, &r->pkt->ft.client, r->out, (size_t)n);
}

/* Adds REALM and a fresh NONCE (401, 438). */
static void add_realm_nonce(struct turn_request *r, struct stun_builder *b)
{
	char nonce[AUTH_NONCE_MAX];

	auth_nonce_make(r->s->nonce_key, &r->pkt->ft.client, r->s->now_wall_s, nonce);
	stun_add_string(b, STUN_ATTR_REALM, r->s->conf->realm);
	stun_add_string(b, STUN_ATTR_NONCE, nonce);
}

void turn_respond_error(struct turn_request *r, enum stun_error code)
{
	struct stun_builder b;

	turn_response_start(r, &b, STUN_CLASS_ERROR);
	stun_add_error(&b, (int)code, turn_reason_phrase(r));
	if (code == STUN_ERR_UNAUTHORIZED || code == STUN_ERR_STALE_NONCE)
		add_realm_nonce(r, &b);
	if (log_enabled(LOG_LVL_DEBUG)) {
		char client[ADDR_STR_MAX];

		log_debug("%s: method 0x%03x -> %d %s",
			  addr_to_str(&r->pkt->ft.client, client, sizeof(client)),
			  r->msg->method, (int)code, stun_reason_phrase((int)code));
	}
	turn_response_send(r, &b);
}

static void respond_unknown(struct turn_request *r, const uint16_t *types, size_t n)
{
	struct stun_builder b;

	turn_response_start(r, &b, STUN_CLASS_ERROR);
	stun_add_error(&b, STUN_ERR_UNKNOWN_ATTRIBUTE, NULL);
	stun_add_unknown_attributes(&b, types, n);
	turn_response_send(r, &b);
}

static const char *const auth_failure_text[AUTH_FAIL_COUNT] = {
	[AUTH_FAIL_WRONG_CREDENTIALS] = "wrong credentials",
	[AUTH_FAIL_REST_EXPIRED] = "REST credential expired",
	[AUTH_FAIL_USERNAME_MISMATCH] = "username differs from the allocation's",
	[AUTH_FAIL_BAD_INTEGRITY] = "bad MESSAGE-INTEGRITY",
	[AUTH_FAIL_UNKNOWN_REALM] = "unknown realm",
};

static void log_auth_failure(struct turn_request *r, enum auth_failure why_code)
{
	char client[ADDR_STR_MAX], user[ESC_LOG_LEN];
	const char *why = auth_failure_text[why_code];

	r->s->counters.auth_failures[why_code]++;
	auth_limiter_fail(r->s->auth_failures, &r->pkt->ft.client, r->username,
			  r->s->now_ms);
	log_info("auth failure: client %s user '%s': %s",
		 addr_to_str(&r->pkt->ft.client, client, sizeof(client)),
		 esc_str(user, sizeof(user), r->username), why);
}

/* Checks an existing allocation's credentials: the key stored at
 * Allocate time, as coturn does, so a REST credential keeps its live
 * allocation refreshable past EXPIRY. */
static bool auth_existing(struct turn_request *r)
{
	struct allocation *a = r->alloc;

	if (strcmp(a->username, r->username)) {
		log_auth_failure(r, AUTH_FAIL_USERNAME_MISMATCH);
		turn_respond_error(r, STUN_ERR_WRONG_CREDENTIALS);
		return false;
	}
	if (!stun_check_integrity(r->msg, a->cred.key, AUTH_KEY_LEN)) {
		log_auth_failure(r, AUTH_FAIL_BAD_INTEGRITY);
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	/* Presence-bound credentials: a member gone elsewhere (a cluster
	 * backend) ends its allocations here too. */
	if (a->cred.kind == AUTH_KIND_REST &&
	    !auth_member_live(r->s->auth, a->username)) {
		log_auth_failure(r, AUTH_FAIL_REST_EXPIRED);
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	/* A copy: Refresh with LIFETIME 0 frees the allocation before the
	 * response is signed. */
	r->cred = a->cred;
	r->key = r->cred.key;
	return true;
}

static bool auth_new_session(struct turn_request *r)
{
	int rc;

	/* Guessing passwords: the username's and the total budgets. */
	if (auth_limiter_check(r->s->auth_failures, &r->pkt->ft.client, r->username,
			       r->s->now_ms)) {
		r->s->counters.auth_rate_limited++;
		return false;
	}
	rc = auth_check(r->s->auth, r->msg, r->username, r->realm, r->s->now_wall_s,
			false, &r->cred);
	/* A departed member's genuine credential: no new allocation (401);
	 * any other request finds none and is answered 437 by its handler. */
	if (rc == TR_ENOTFOUND && r->msg->method != STUN_ALLOCATE) {
		r->key = r->cred.key;
		return true;
	}
	if (rc == TR_EEXPIRED || rc == TR_ENOTFOUND) {
		log_auth_failure(r, AUTH_FAIL_REST_EXPIRED);
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	if (rc) {
		log_auth_failure(r, AUTH_FAIL_WRONG_CREDENTIALS);
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	r->key = r->cred.key;
	return true;
}

/* RFC 8489 9.2.4. True when the request may proceed; false when it has
 * been answered with an error or dropped (rate limit). */
static bool authenticate(struct turn_request *r)
{
	const struct stun_attr *user, *realm, *nonce;
	int rc;

	if (r->s->conf->no_auth)
		return true;
	if (auth_limiter_check(r->s->auth_failures, &r->pkt->ft.client, NULL,
			       r->s->now_ms)) {
		r->s->counters.auth_rate_limited++;
		return false;
	}
	if (!stun_find(r->msg, STUN_ATTR_MESSAGE_INTEGRITY)) {
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	user = stun_find(r->msg, STUN_ATTR_USERNAME);
	realm = stun_find(r->msg, STUN_ATTR_REALM);
	nonce = stun_find(r->msg, STUN_ATTR_NONCE);
	if (!user || !realm || !nonce ||
	    stun_attr_string(user, r->username, sizeof(r->username)) ||
	    stun_attr_string(realm, r->realm, sizeof(r->realm))) {
		turn_respond_error(r, STUN_ERR_BAD_REQUEST);
		return false;
	}
	rc = auth_nonce_check(r->s->nonce_key, &r->pkt->ft.client,
			      (const char *)nonce->value, nonce->len, r->s->now_wall_s,
			      r->s->conf->stale_nonce);
	if (rc) {
		r->s->counters.stale_nonces++;
		turn_respond_error(r, STUN_ERR_STALE_NONCE);
		return false;
	}
	if (strcmp(r->realm, r->s->conf->realm)) {
		log_auth_failure(r, AUTH_FAIL_UNKNOWN_REALM);
		turn_respond_error(r, STUN_ERR_UNAUTHORIZED);
		return false;
	}
	return r->alloc ? auth_existing(r) : auth_new_session(r);
}

static void handle_binding(struct turn_request *r)
{
	struct stun_builder b;

	turn_response_start(r, &b, STUN_CLASS_SUCCESS);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->pkt->ft.client);
	/* RFC 5389 clients and coturn's own tools still read MAPPED-ADDRESS. */
	stun_add_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &r->pkt->ft.client);
	turn_response_send(r, &b);
}

static const struct {
	uint16_t method;
	void (*handle)(struct turn_request *r);
	bool needs_auth;
} method_table[] = {
	{ STUN_BINDING, handle_binding, false },
	{ STUN_ALLOCATE, turn_handle_allocate, true },
	{ STUN_REFRESH, turn_handle_refresh, true },
	{ STUN_CREATE_PERMISSION, turn_handle_create_permission, true },
	{ STUN_CHANNEL_BIND, turn_handle_channel_bind, true },
	{ STUN_CONNECT, turn_handle_connect, true },
	{ STUN_CONNECTION_BIND, turn_handle_connection_bind, true },
};

static void handle_request(struct turn_request *r)
{
	uint16_t unknown[16];
	size_t n_unknown = stun_unknown_required(r->msg, unknown, 16);

	if (log_enabled(LOG_LVL_DEBUG)) {
		char client[ADDR_STR_MAX];

		log_debug("%s: request method 0x%03x (%zu attributes)",
			  addr_to_str(&r->pkt->ft.client, client, sizeof(client)),
			  r->msg->method, r->msg->n_attrs);
	}
	if (turn_stun_mode_ignores(r))
		return;
	if (n_unknown) {
		respond_unknown(r, unknown, n_unknown);
		return;
	}
	for (size_t i = 0; i < sizeof(method_table) / sizeof(method_table[0]); i++) {
		if (method_table[i].method != r->msg->method)
			continue;
		if (turn_needs_auth(r, method_table[i].needs_auth) && !authenticate(r))
			return;
		method_table[i].handle(r);
		return;
	}
	turn_respond_error(r, STUN_ERR_BAD_REQUEST);
}

/* RFC 8656 11.5: a Send indication carries XOR-PEER-ADDRESS and DATA. */
static void handle_send_indication(struct turn_server *s, const struct client_packet *pkt,
				   const struct stun_msg *msg)
{
	struct allocation *a = alloc_table_find(s->allocs, &pkt->ft);
	const struct stun_attr *peer_attr = stun_find(msg, STUN_ATTR_XOR_PEER_ADDRESS);
	const struct stun_attr *data = stun_find(msg, STUN_ATTR_DATA);
	struct tr_addr peer;

	if (!a || !peer_attr || !data || stun_attr_xor_addr(peer_attr, msg->tid, &peer) ||
	    turn_dual_fd_for(a, addr_family(&peer)) < 0)
		return;
	/* The permission is per IP (RFC 8656 9); the server's own addresses
	 * are peers only on some ports, so their port is judged here too. */
	if (!peer_filter_allows_port(s->filter, &peer)) {
		s->counters.peer_refused++;
		return;
	}
	turn_relay_to_peer(s, a, &peer, data->value, data->len);
}

/* Anything that fails to parse is counted and dropped; with
 * drop-invalid-packets off, a request that has a STUN header but a broken
 * body is answered 400. */
static void answer_malformed(struct turn_server *s, const struct client_packet *pkt)
{
	struct stun_msg head;
	struct turn_request r;
	uint16_t type;

	s->counters.malformed_dropped++;
	if (!turn_answers_malformed(s) || !stun_looks_like_stun(pkt->data, pkt->len))
		return;
	type = (uint16_t)((pkt->data[0] << 8) | pkt->data[1]);
	if (stun_type_class(type) != STUN_CLASS_REQUEST)
		return;
	memset(&head, 0, sizeof(head));
	head.method = stun_type_method(type);
	memcpy(head.tid, pkt->data + 8, STUN_TID_LEN);
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.pkt = pkt;
	r.msg = &head;
	turn_respond_error(&r, STUN_ERR_BAD_REQUEST);
}

void turn_handle_client_packet(struct turn_server *s, const struct client_packet *pkt)
{
	struct stun_msg msg;
	struct turn_request r;

	if (pkt->len >= 1 && (pkt->data[0] & 0xC0) == 0x40) {
		turn_relay_channeldata(s, pkt);
		return;
	}
	if (stun_parse(&msg, pkt->data, pkt->len) < 0) {
		answer_malformed(s, pkt);
		return;
	}
	if (msg.cls == STUN_CLASS_INDICATION) {
		if (msg.method == STUN_SEND)
			handle_send_indication(s, pkt, &msg);
		return;
	}
	if (msg.cls != STUN_CLASS_REQUEST)
		return;
	memset(&r, 0, offsetof(struct turn_request, out));
	r.s = s;
	r.pkt = pkt;
	r.msg = &msg;
	r.alloc = alloc_table_find(s->allocs, &pkt->ft);
	/* RFC 8016: a Refresh from a new 5-tuple names its allocation by
	 * ticket; it is authenticated with that allocation's key. */
	if (!r.alloc && msg.method == STUN_REFRESH)
		r.alloc = turn_mobility_lookup(s, &msg);
	r.fingerprint = stun_has_fingerprint(&msg) || s->conf->fingerprint;
	handle_request(&r);
}
