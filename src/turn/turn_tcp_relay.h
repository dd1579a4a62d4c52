/* Private to src/turn: RFC 6062 TCP allocations (turn_tcp_relay.c). The
 * hooks the Allocate path, the dispatcher, the fd reserve and allocation
 * deletion call. */
#ifndef TR_TURN_TCP_RELAY_H
#define TR_TURN_TCP_RELAY_H

#include "turn/turn_request.h"

/* RFC 6062 5.1: the request asks for a TCP relay (REQUESTED-TRANSPORT 6). */
bool turn_tcp_relay_requested(const struct stun_msg *msg);
/* The RFC 6062 5.1 checks of a TCP Allocate: 0 or 400 (not over TCP/TLS,
 * or with EVEN-PORT, RESERVATION-TOKEN or DONT-FRAGMENT). */
enum stun_error turn_tcp_relay_check_allocate(struct turn_request *r);
/* A listening TCP socket on the relay address, its port from the same
 * pool as the UDP relays. The fd, or -1 when the pool has no free port
 * (the caller answers 508 and logs it). */
int turn_tcp_relay_bind(struct relay_family *rf, struct tr_addr *bound);
/* Makes a a TCP allocation: state, and accepting peers on relay_fd. */
int turn_tcp_relay_start(struct turn_server *s, struct allocation *a);
/* Closes every peer and data connection of a (on allocation delete). */
void turn_tcp_relay_release(struct allocation *a);
/* Descriptors held by peer and data connections (for the fd reserve). */
size_t turn_tcp_relay_fds(const struct turn_server *s);

/* RFC 6062 5.2 and 5.4. */
void turn_handle_connect(struct turn_request *r);
void turn_handle_connection_bind(struct turn_request *r);

/* The TCP/TLS connection c stops being a STUN stream: its bufferevent
 * (with whatever is queued in it) goes to the caller; c itself is freed
 * when its read callback returns (turn_listen.c). */
struct bufferevent *turn_tcp_conn_take(struct tcp_conn *c);

#endif
