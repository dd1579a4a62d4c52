/* Stateless nonces (RFC 8489 9.2: the server picks the nonce format).
 * nonce = 16 hex digits of the issue time ‖ 32 hex digits of the first 16
 * bytes of HMAC-SHA256(server key, time as 8 bytes big-endian ‖ client IP
 * bytes). The port stays out, so a client whose NAT rebinds it to a new
 * port (or that opens a new socket) keeps a valid nonce. Nothing is stored:
 * a restart with the same server key keeps outstanding nonces valid. */
#include "auth/auth.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/bytes.h"
#include "util/errors.h"

#define NONCE_TS_HEX 16
#define NONCE_MAC_BYTES 16
#define NONCE_LEN (NONCE_TS_HEX + 2 * NONCE_MAC_BYTES)
/* Clocks of two nodes sharing a key may differ a little. */
#define NONCE_FUTURE_SLACK_S 5

_Static_assert(NONCE_LEN < AUTH_NONCE_MAX, "nonce must fit AUTH_NONCE_MAX");

static const char hex_digits[] = "0123456789abcdef";

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_digits[p[i] >> 4];
		out[2 * i + 1] = hex_digits[p[i] & 0x0f];
	}
}

/* Writes the 32 hex digits of the MAC; false if HMAC failed. */
static bool nonce_mac_hex(const uint8_t key[AUTH_SERVER_KEY_LEN],
			  const struct tr_addr *client, const uint8_t ts[8],
			  char out[2 * NONCE_MAC_BYTES])
{
	uint8_t data[8 + 16], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t iplen;
	const uint8_t *ip = addr_bytes(client, &iplen);

	if (iplen > 16)
		return false;
	memcpy(data, ts, 8);
	memcpy(data + 8, ip, iplen);
	if (!HMAC(EVP_sha256(), key, AUTH_SERVER_KEY_LEN, data, 8 + iplen, mac,
		  &maclen) || maclen < NONCE_MAC_BYTES)
		return false;
	to_hex(mac, NONCE_MAC_BYTES, out);
	return true;
}

static void ts_bytes(int64_t t, uint8_t out[8])
{
	uint64_t u = (uint64_t)t;

	wr32(out, (uint32_t)(u >> 32));
	wr32(out + 4, (uint32_t)u);
}

void auth_nonce_make(const uint8_t server_key[AUTH_SERVER_KEY_LEN],
		     const struct tr_addr *client, int64_t now_s,
		     char out[AUTH_NONCE_MAX])
{
	uint8_t ts[8];

	ts_bytes(now_s, ts);
	to_hex(ts, 8, out);
	if (!nonce_mac_hex(server_key, client, ts, out + NONCE_TS_HEX))
		/* Cannot happen with a working libcrypto; an all-zero MAC
		 * simply fails its check and the client is challenged again. */
		memset(out + NONCE_TS_HEX, '0', 2 * NONCE_MAC_BYTES);
	out[NONCE_LEN] = '\0';
}

/* Lowercase hex only: we only ever write lowercase, and accepting one
 * spelling keeps every nonce byte covered by the check. */
static int lower_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int auth_nonce_check(const uint8_t server_key[AUTH_SERVER_KEY_LEN],
		     const struct tr_addr *client, const char *nonce, size_t len,
		     int64_t now_s, unsigned lifetime_s)
{
	uint8_t ts[8];
	char want[2 * NONCE_MAC_BYTES];
	int64_t issued;
	size_t i;

	if (len != NONCE_LEN)
		return TR_EINVAL;
	for (i = 0; i < 8; i++) {
		int hi = lower_hex_val(nonce[2 * i]);
		int lo = lower_hex_val(nonce[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return TR_EINVAL;
		ts[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!nonce_mac_hex(server_key, client, ts, want))
		return TR_EINVAL;
	if (CRYPTO_memcmp(want, nonce + NONCE_TS_HEX, sizeof(want)) != 0)
		return TR_EINVAL;
	issued = (int64_t)(((uint64_t)rd32(ts) << 32) | rd32(ts + 4));
	/* Genuine but from the future: only a clock step or another node's
	 * clock; beyond a little slack it is refused like a forgery. */
	if (issued > now_s + NONCE_FUTURE_SLACK_S)
		return TR_EINVAL;
	/* Valid while its age is at most lifetime_s (inclusive bound). */
	if (now_s - issued > (int64_t)lifetime_s)
		return TR_ESTALE;
	return 0;
}
