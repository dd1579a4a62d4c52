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

#endif
