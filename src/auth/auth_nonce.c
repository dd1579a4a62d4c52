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
#include "util/hex.h"

#define NONCE_TS_HEX 16
#define NONCE_MAC_BYTES 16
#define NONCE_LEN (NONCE_TS_HEX + 2 * NONCE_MAC_BYTES)
/* Clocks of two nodes sharing a key may differ a little. */
#define NONCE_FUTURE_SLACK_S 5

_Static_assert(NONCE_LEN < AUTH_NONCE_MAX, "nonce must fit AUTH_NONCE_MAX");

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
		  &maclen) ||
	    maclen < NONCE_MAC_BYTES)
		return false;
	hex_encode(out, mac, NONCE_MAC_BYTES);
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
	hex_encode(out, ts, 8);
	if (!nonce_mac_hex(server_key, client, ts, out + NONCE_TS_HEX))
		/* Cannot happen with a working libcrypto; an all-zero MAC
		 * simply fails its check and the client is challenged again. */
		memset(out + NONCE_TS_HEX, '0', 2 * NONCE_MAC_BYTES);
	out[NONCE_LEN] = '\0';
}

int auth_nonce_check(const uint8_t server_key[AUTH_SERVER_KEY_LEN],
		     const struct tr_addr *client, const char *nonce, size_t len,
		     int64_t now_s, unsigned lifetime_s)
{
	uint8_t ts[8];
	char want[2 * NONCE_MAC_BYTES];
	int64_t issued;

	if (len != NONCE_LEN)
		return TR_EINVAL;
	/* Lowercase hex only: we only ever write lowercase, and accepting one
	 * spelling keeps every nonce byte covered by the check. */
	if (!hex_decode(ts, nonce, 8, false))
		return TR_EINVAL;
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
