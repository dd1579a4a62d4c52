/* Private to src/signaling: GET /healthz, liveness plus the external-address
 * self-check, apart from the HTTP routing that calls it. */
#ifndef TR_SIGNAL_HEALTH_H
#define TR_SIGNAL_HEALTH_H

#include <stdbool.h>

struct evbuffer;
struct signaling_conn;
struct signaling_server;
struct tr_addr;

/* Writes the report to body: "ok" or "degraded" (clustered and Redis
 * unreachable) and, when reached_on is known (may be NULL), the address
 * the client reached us on, the relay address clients are told and a
 * warning when that one is private but this one is not. Returns the HTTP
 * status: 200, or 503 when degraded. */
int signaling_health_report(const struct signaling_server *s,
			    const struct tr_addr *reached_on, struct evbuffer *body);
/* Answers c with the report (HEAD: the head only), for the address c
 * reached us on. */
void signaling_health_respond(struct signaling_conn *c, bool head);

#endif
