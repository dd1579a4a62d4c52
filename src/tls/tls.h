/* TLS and DTLS for every listener: the server contexts, built from the
 * configuration (certificate chain, private key, cipher-list, dh-file, the
 * protocol floor, ALPN), and the log of handshakes that failed. The front
 * door (TLS over TCP, src/front) and TURN over DTLS (src/turn/turn_dtls.c)
 * both take their contexts from here. */
#ifndef TR_TLS_H
#define TR_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct conf;
/* OpenSSL's own names (repeating a typedef is allowed in C11), so that
 * users of this header need not include OpenSSL's. */
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

enum tls_transport {
	TLS_OVER_TCP, /* TLS 1.2 and later */
	TLS_OVER_UDP, /* DTLS 1.2 (RFC 7350) */
};

/* A server context from cert, pkey, cipher-list and dh-file of conf
 * (borrowed, only read): TLS 1.2+ or DTLS 1.2+, no renegotiation, ALPN
 * "stun.turn" and "http/1.1" (RFC 7443). NULL with err naming the file
 * on failure. Called again on SIGHUP for a fresh context: live
 * connections keep a reference to theirs. Caller frees with SSL_CTX_free. */
SSL_CTX *tls_ctx_new(const struct conf *conf, enum tls_transport transport, char *err,
		     size_t errlen);

/* Failed handshakes of one kind of listener: counted, and logged one line
 * each with the peer and OpenSSL's reason, at most LOG_LIMIT_PER_SEC
 * lines a second (a scanner's flood is no log flood). */
struct tls_failures;

/* what names the listeners in the log ("TLS", "DTLS"); a static string.
 * NULL on allocation failure. Caller frees. */
struct tls_failures *tls_failures_new(const char *what);
void tls_failures_free(struct tls_failures *f);
/* One failed handshake from peer. err is the OpenSSL error (0 when none
 * was queued); ssl (may be NULL) gives the name the client asked for (SNI,
 * escaped); fallback says what happened when err is 0 (a socket error, the
 * peer closing). Does not touch OpenSSL's error queue. */
void tls_failures_note(struct tls_failures *f, const struct tr_addr *peer, const SSL *ssl,
		       unsigned long err, const char *fallback);
uint64_t tls_failures_count(const struct tls_failures *f);

#endif
