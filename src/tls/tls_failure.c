/* Failed TLS and DTLS handshakes: one log line each, with OpenSSL's
 * reason ("unsupported protocol", "wrong version number", "tlsv1 alert
 * unknown ca" for an alert the client sent, ...), rate-limited. */
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls/tls.h"
#include "util/escape.h"
#include "util/log.h"

struct tls_failures {
	const char *what;
	struct log_limit limit;
	uint64_t count;
};

struct tls_failures *tls_failures_new(const char *what)
{
	struct tls_failures *f = calloc(1, sizeof(*f));

	if (f)
		f->what = what;
	return f;
}

void tls_failures_free(struct tls_failures *f)
{
	free(f);
}

/* OpenSSL's reason text for err; its full error string when the reason
 * has no text of its own. */
static const char *reason_of(unsigned long err, const char *fallback, char *buf,
			     size_t len)
{
	const char *reason;

	if (!err)
		return fallback ? fallback : "no reason given";
	reason = ERR_reason_error_string(err);
	if (reason)
		return reason;
	ERR_error_string_n(err, buf, len);
	return buf;
}

void tls_failures_note(struct tls_failures *f, const struct tr_addr *peer, const SSL *ssl,
		       unsigned long err, const char *fallback)
{
	char client[ADDR_STR_MAX], sni[ESC_LOG_LEN], buf[256];
	const char *name =
		ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) : NULL;

	f->count++;
	/* The SNI name is the client's text: escaped. */
	log_info_limited(&f->limit, "%s handshake with %s failed: %s%s%s%s", f->what,
			 addr_to_str(peer, client, sizeof(client)),
			 reason_of(err, fallback, buf, sizeof(buf)),
			 name ? " (SNI '" : "",
			 name ? esc_str(sni, sizeof(sni), name) : "", name ? "')" : "");
}

uint64_t tls_failures_count(const struct tls_failures *f)
{
	return f ? f->count : 0;
}
