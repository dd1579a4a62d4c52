/* TLS and DTLS server contexts from the configuration: certificate chain,
 * key, cipher list, DH parameters, protocol floor (TLS 1.2: no-tlsv1 and
 * no-tlsv1_1 are what turnroom does anyway) and ALPN (RFC 7443). */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "tls/tls.h"
#include "util/errors.h"
#include "util/log.h"

static void ssl_error(char *err, size_t errlen, const char *what, const char *file)
{
	char reason[256];

	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	snprintf(err, errlen, "%s %s: %s", what, file, reason);
	ERR_clear_error();
}

/* RFC 7443: "stun.turn" for TURN, "http/1.1" for the room server; a
 * client offering neither gets no ALPN and is told apart by its bytes. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x09stun.turn\x08http/1.1";
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int load_dh(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *dh;

	if (!bio) {
		snprintf(err, errlen, "cannot open dh-file %s", path);
		return TR_EIO;
	}
	dh = PEM_read_bio_Parameters(bio, NULL);
	BIO_free(bio);
	if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
		EVP_PKEY_free(dh);
		ssl_error(err, errlen, "bad DH parameters in", path);
		return TR_EINVAL;
	}
	return 0;
}

SSL_CTX *tls_ctx_new(const struct conf *conf, enum tls_transport transport, char *err,
		     size_t errlen)
{
	bool dtls = transport == TLS_OVER_UDP;
	SSL_CTX *ctx = SSL_CTX_new(dtls ? DTLS_server_method() : TLS_server_method());

	if (!ctx) {
		ssl_error(err, errlen, "cannot create a",
			  dtls ? "DTLS context" : "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_options(ctx,
			    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->cert) != 1) {
		ssl_error(err, errlen, "cannot load certificate", conf->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, conf->pkey, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, errlen, "cannot load private key", conf->pkey);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errlen, "private key does not match certificate",
			  conf->cert);
		goto fail;
	}
	/* coturn's own sample cipher-list names suites that do not exist;
	 * coturn starts anyway, and so do we, on OpenSSL's defaults. */
	if (conf->cipher_list && SSL_CTX_set_cipher_list(ctx, conf->cipher_list) != 1) {
		ERR_clear_error();
		log_warn(
			"cipher-list '%s' matches no cipher: OpenSSL's defaults are used",
			conf->cipher_list);
	}
	if (conf->dh_file && load_dh(ctx, conf->dh_file, err, errlen))
		goto fail;
	if (!conf->dh_file)
		SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
