/* Private to src/turn: the stateless pieces that guard the DTLS listener
 * against spoofed and flooding clients (turn_dtls_guard.c), unit-tested on
 * their own. No sockets, no OpenSSL state; the clock is passed in. */
#ifndef TR_TURN_DTLS_H
#define TR_TURN_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* RFC 6347 4.2.1: the cookie is HMAC-SHA256(secret, slot || client address
 * and port), truncated. 16 bytes keep a HelloVerifyRequest at 44 bytes,
 * smaller than the smallest ClientHello it can answer (61 bytes). */
#define DTLS_COOKIE_LEN 16
#define DTLS_SECRET_LEN 32
/* A cookie is good in the slot it was made in and the next one: 30 to
 * 60 s, ample for one round trip, short for a replay. */
#define DTLS_COOKIE_SLOT_MS 30000u

struct dtls_guard;

/* secret: DTLS_SECRET_LEN bytes, or NULL for fresh random ones (the normal
 * case; tests pass their own). NULL on failure. Caller frees. */
struct dtls_guard *dtls_guard_new(const uint8_t *secret);
void dtls_guard_free(struct dtls_guard *g);

/* The cookie for client at now_ms. Returns 0 or TR_EIO. */
int dtls_guard_cookie(const struct dtls_guard *g, const struct tr_addr *client,
		      uint64_t now_ms, uint8_t out[DTLS_COOKIE_LEN]);
/* True when cookie was made for client in this slot or the previous one;
 * compared in constant time. */
bool dtls_guard_cookie_ok(const struct dtls_guard *g, const struct tr_addr *client,
			  uint64_t now_ms, const uint8_t *cookie, size_t len);

/* Handshakes in progress and established sessions per source: one IPv4
 * address, or one IPv6 /64 (what one customer of a provider usually
 * gets). An entry exists only while one of its counts is above zero. */
enum dtls_source_kind { DTLS_SRC_HANDSHAKES, DTLS_SRC_SESSIONS, DTLS_SRC_KINDS };

unsigned dtls_guard_source_count(const struct dtls_guard *g, const struct tr_addr *client,
				 enum dtls_source_kind kind);
/* Returns 0, or TR_ENOMEM (never when the source already has an entry). */
int dtls_guard_source_add(struct dtls_guard *g, const struct tr_addr *client,
			  enum dtls_source_kind kind);
void dtls_guard_source_remove(struct dtls_guard *g, const struct tr_addr *client,
			      enum dtls_source_kind kind);
/* Sources with a handshake or a session. */
size_t dtls_guard_source_entries(const struct dtls_guard *g);

#endif
