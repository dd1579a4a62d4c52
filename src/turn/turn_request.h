/* Private to src/turn: one STUN request being answered. */
#ifndef TR_TURN_REQUEST_H
#define TR_TURN_REQUEST_H

#include "turn/turn_internal.h"

/* Responses are small: error codes, addresses, a token, integrity. */
#define TURN_RESPONSE_MAX 1024

struct turn_request {
	struct turn_server *s;           /* borrowed */
	const struct client_packet *pkt; /* borrowed */
	const struct stun_msg *msg;      /* borrowed */
	struct allocation *alloc;        /* of this 5-tuple, or NULL */
	const uint8_t *key;              /* signs the response when set */
	bool fingerprint;
	char username[AUTH_NAME_MAX];
	char realm[AUTH_REALM_MAX];
	struct auth_result cred;
	const char *reason;             /* detail for include-reason-string */
	uint8_t out[TURN_RESPONSE_MAX]; /* must stay last (see memset) */
};

void turn_response_start(struct turn_request *r, struct stun_builder *b,
			 enum stun_class cls);
/* Adds SOFTWARE, MESSAGE-INTEGRITY (when authenticated) and FINGERPRINT
 * (when the request had one), then sends. */
void turn_response_send(struct turn_request *r, struct stun_builder *b);
void turn_respond_error(struct turn_request *r, enum stun_error code);

/* Draining (turn_drain.c): 300 toward an alternate-server, or 508. */
void turn_respond_alternate(struct turn_request *r);

/* RFC 8656 7.2 address families (turn_dual.c): 0 with the first relay's
 * family and the second's (0: none wanted; *second_err 440 when it was
 * wanted but this server has no relay of that family), or the code. */
enum stun_error turn_dual_families(struct turn_request *r, int *family, int *second,
				   enum stun_error *second_err, int *second_err_family);
/* Binds a's second relay socket of family (failures are recorded in
 * a->relay2_err, the allocation keeps its first relay). */
void turn_dual_open(struct turn_request *r, struct allocation *a, int family);
/* Adds the second XOR-RELAYED-ADDRESS or the ADDRESS-ERROR-CODE. */
void turn_dual_add_response(const struct turn_request *r, const struct allocation *a,
			    struct stun_builder *b);
/* Refresh with REQUESTED-ADDRESS-FAMILY: 443 for a family a lacks; with
 * lifetime 0 on a dual allocation, only that family's relay goes
 * (*done: the response was sent). 0 or the error code. */
enum stun_error turn_dual_refresh(struct turn_request *r, uint32_t lifetime, bool *done);

/* RFC 8016 (turn_mobility.c). Allocate: 405 when mobility is off and a
 * ticket was asked for, 400 for a non-empty one; else 0. */
enum stun_error turn_mobility_allocate_check(struct turn_request *r);
/* Gives a an id when the Allocate asked for a ticket. */
int turn_mobility_enable(struct turn_request *r, struct allocation *a);
/* Refresh: checks a MOBILITY-TICKET (405 off, 400 bad or stale) and moves
 * r->alloc to the request's 5-tuple when it came from another one. */
enum stun_error turn_mobility_refresh(struct turn_request *r);
/* Adds a's current MOBILITY-TICKET (Allocate) or a fresh one (renew). */
void turn_mobility_add_ticket(struct turn_request *r, struct allocation *a,
			      struct stun_builder *b, bool renew);

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
enum stun_error turn_transport_refused(struct turn_request *r, uint8_t proto);
/* AF_INET or AF_INET6: the relay family of an Allocate that names none. */
int turn_default_family(const struct turn_request *r);
/* NULL (the standard phrase) or, with include-reason-string, r->reason. */
const char *turn_reason_phrase(const struct turn_request *r);

/* Bandwidth (turn_bandwidth.c): 0, or 486 (counted) when bps-capacity is
 * all granted; then, once the allocation exists, its limit and
 * reservation. */
enum stun_error turn_bw_admit(struct turn_request *r);
void turn_bw_grant(struct turn_request *r, struct allocation *a);

#endif
