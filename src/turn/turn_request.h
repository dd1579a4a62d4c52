/* Private to src/turn: one STUN request being answered. */
#ifndef TR_TURN_REQUEST_H
#define TR_TURN_REQUEST_H

#include "turn/turn_internal.h"

/* Responses are small: error codes, addresses, a token, integrity. */
#define TURN_RESPONSE_MAX 1024

struct turn_request {
	struct turn_server *s;              /* borrowed */
	const struct client_packet *pkt;    /* borrowed */
	const struct stun_msg *msg;         /* borrowed */
	struct allocation *alloc;           /* of this 5-tuple, or NULL */
	const uint8_t *key;                 /* signs the response when set */
	bool fingerprint;
	char username[AUTH_NAME_MAX];
	char realm[AUTH_REALM_MAX];
	struct auth_result cred;
	const char *reason;                 /* detail for include-reason-string */
	uint8_t out[TURN_RESPONSE_MAX];     /* must stay last (see memset) */
};

void turn_response_start(struct turn_request *r, struct stun_builder *b,
			 enum stun_class cls);
/* Adds SOFTWARE, MESSAGE-INTEGRITY (when authenticated) and FINGERPRINT
 * (when the request had one), then sends. */
void turn_response_send(struct turn_request *r, struct stun_builder *b);
void turn_respond_error(struct turn_request *r, int code);

/* Draining (turn_drain.c): 300 toward an alternate-server, or 508. */
void turn_respond_alternate(struct turn_request *r);

void turn_handle_allocate(struct turn_request *r);
void turn_handle_refresh(struct turn_request *r);
void turn_handle_create_permission(struct turn_request *r);
void turn_handle_channel_bind(struct turn_request *r);

/* issue 13 (turn_stun_modes.c). True when a request gets no answer at
 * all (stun-only, no-stun; counted); logs Binding requests with
 * log-binding. */
bool turn_stun_mode_ignores(struct turn_request *r);
/* Whether a request goes through the credential check: the TURN methods
 * (method_needs_auth), and Binding too with secure-stun. */
bool turn_needs_auth(const struct turn_request *r, bool method_needs_auth);
/* False with drop-invalid-packets (the default): malformed STUN is
 * dropped and counted, not answered 400. */
bool turn_answers_malformed(const struct turn_server *s);
/* 0, or 442 (reason set) when no-udp-relay / no-tcp-relay refuses this
 * REQUESTED-TRANSPORT protocol. RFC 6062 Allocates go through it too. */
int turn_transport_refused(struct turn_request *r, uint8_t proto);
/* AF_INET or AF_INET6: the relay family of an Allocate that names none. */
int turn_default_family(const struct turn_request *r);
/* NULL (the standard phrase) or, with include-reason-string, r->reason. */
const char *turn_reason_phrase(const struct turn_request *r);

/* Bandwidth (turn_bandwidth.c): 0, or 486 (counted) when bps-capacity is
 * all granted; then, once the allocation exists, its limit and
 * reservation. */
int turn_bw_admit(struct turn_request *r);
void turn_bw_grant(struct turn_request *r, struct allocation *a);

#endif
