/* The TURN relay: listeners, allocations, permissions, channels, relay
 * sockets, and the peer filter that guards where relayed data may go. */
#ifndef TR_TURN_H
#define TR_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct event_base;
struct conf;
struct auth;

/* ---- peer filter ---- */

struct peer_filter;
struct peer_range;

/* A filter holding the hardened default deny list (private, loopback,
 * CGNAT, link-local incl. the cloud metadata address, documentation and
 * benchmark ranges, multicast, reserved, and their IPv4-in-IPv6 forms;
 * see turn_peer_filter.c); loopback is allowed when allow_loopback. NULL on allocation
 * failure. Caller frees. */
struct peer_filter *peer_filter_new(bool allow_loopback);
void peer_filter_free(struct peer_filter *f);
/* Adds a range (util/peer_range.h; copied). allow=true for
 * allowed-peer-ip (beats any deny). Returns 0, TR_EINVAL or TR_ENOMEM. */
int peer_filter_add(struct peer_filter *f, const struct peer_range *r, bool allow);
/* Adds a range (copied) of addresses of this server itself: as a
 * peer it is allowed only on the relay port range and never on a
 * listening port (peer_filter_set_ports), whatever the other lists say;
 * loopback keeps its other ports under the general verdict. pinned (an
 * external-ip private half) is allowed on the relay ports even when the
 * deny list covers it. 0, TR_EINVAL or TR_ENOMEM. */
int peer_filter_add_self(struct peer_filter *f, const struct peer_range *r, bool pinned);
/* The relay port range and up to 8 listening ports. 0 or TR_EINVAL. */
int peer_filter_set_ports(struct peer_filter *f, uint16_t relay_min, uint16_t relay_max,
			  const uint16_t *listen, size_t n);
/* True when relaying to peer is permitted. IPv4-mapped, IPv4-compatible,
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the
 * IPv4 address they carry as well as by their own range. The port matters
 * only for the server's own addresses. */
bool peer_filter_allows(const struct peer_filter *f, const struct tr_addr *peer);
/* For a Send indication to a peer whose IP holds a permission (so the IP
 * was judged): only the server's own addresses are judged again, with
 * this port. Cheap when the peer is not one of them. */
bool peer_filter_allows_port(const struct peer_filter *f, const struct tr_addr *peer);

/* ---- the server ---- */

struct turn_server;

/* Creates the listeners and relay state on base (borrowed), reading conf
 * and auth (borrowed; they outlive the server). NULL on failure, logged. */
struct turn_server *turn_server_new(struct event_base *base, const struct conf *conf,
				    struct auth *auth);
void turn_server_free(struct turn_server *s);
struct bufferevent;
struct front_slot;
/* front_adopt_fn for TURN streams (TCP or TLS): takes ownership of bev
 * and slot. */
void turn_server_adopt_stream(void *ctx, struct bufferevent *bev,
			      const struct tr_addr *client, const struct tr_addr *local,
			      bool tls, struct front_slot *slot);
/* A reload in two phases (SIGHUP): _prepare builds from a new config what
 * can fail (peer filter, DTLS context) and changes nothing live; _commit
 * swaps it in with the new conf and auth (borrowed, as in _new) and cannot
 * fail, so the caller may free the old conf and auth right after. Peer
 * filter, lifetimes, quotas and auth change at once; listeners and relay
 * ports only at restart. _prepare: NULL with err filled on failure. */
struct turn_reload;
struct turn_reload *turn_server_reload_prepare(struct turn_server *s,
					       const struct conf *conf, char *err,
					       size_t errlen);
/* Takes ownership of r. */
void turn_server_reload_commit(struct turn_server *s, struct turn_reload *r,
			       const struct conf *conf, struct auth *auth);
/* A prepared reload not committed (another part failed). NULL: no-op. */
void turn_reload_free(struct turn_reload *r);
struct evbuffer;

/* The relay address of a family as XOR-RELAYED-ADDRESS shows it (port 0).
 * 0 or TR_ENOTFOUND when no relay of that family exists. */
int turn_server_advertised(const struct turn_server *s, int family, struct tr_addr *out);
/* True for addresses of the default deny list: private, loopback,
 * link-local, CGNAT, documentation, ... */
bool turn_address_denied_by_default(const struct tr_addr *a);

/* Appends the relay's metrics in Prometheus text format to out. */
void turn_server_write_metrics(struct turn_server *s, struct evbuffer *out);
/* Calls fn for each live allocation of a room-minted REST credential
 * (auth_room_member_id) with the member id and its relayed bytes (both
 * directions). */
void turn_server_each_room_allocation(struct turn_server *s,
				      void (*fn)(const char *member_id, uint64_t bytes,
						 void *arg),
				      void *arg);

/* One line per allocation (user, room, client, relay, lifetime, bytes);
 * room_of (may be NULL) names the room of a REST credential's user id. */
void turn_server_write_sessions(struct turn_server *s, struct evbuffer *out,
				const char *(*room_of)(void *ctx, const char *user_id),
				void *ctx);
size_t turn_server_allocation_count(const struct turn_server *s);
/* Deletes the allocations of user: its whole username, or the ID part of
 * a REST username. Returns how many. */
size_t turn_server_disconnect(struct turn_server *s, const char *user);

/* Draining: Allocate answered 300 Try Alternate (alternate-server=) or
 * 508; live allocations go on. */
void turn_server_set_draining(struct turn_server *s, bool on);
bool turn_server_draining(const struct turn_server *s);
/* Deletes every allocation made with room-minted REST credentials
 * "EXPIRY:room~user_id" (presence-bound credentials of the room server).
 * Returns how many. */
size_t turn_server_drop_user(struct turn_server *s, const char *user_id);

#endif
