/* STUN message codec (RFC 8489) with the TURN attributes (RFC 8656) and
 * ChannelData framing. Pure: no I/O, no allocation, no globals. A parsed
 * message borrows the caller's bytes. */
#ifndef TR_STUN_H
#define TR_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/addr.h"

#define STUN_HEADER_LEN 20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_LEN 12
#define STUN_FINGERPRINT_XOR 0x5354554Eu
/* Attributes one message may carry; more is treated as malformed. */
#define STUN_MAX_ATTRS 40
/* The largest message we build; fits any UDP datagram we relay. */
#define STUN_MAX_MESSAGE 65535

enum stun_class {
	STUN_CLASS_REQUEST = 0,
	STUN_CLASS_INDICATION = 1,
	STUN_CLASS_SUCCESS = 2,
	STUN_CLASS_ERROR = 3,
};

enum stun_method {
	STUN_BINDING = 0x001,
	STUN_ALLOCATE = 0x003,
	STUN_REFRESH = 0x004,
	STUN_SEND = 0x006,
	STUN_DATA = 0x007,
	STUN_CREATE_PERMISSION = 0x008,
	STUN_CHANNEL_BIND = 0x009,
	STUN_CONNECT = 0x00A,
	STUN_CONNECTION_BIND = 0x00B,
	STUN_CONNECTION_ATTEMPT = 0x00C,
};

enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_CHANNEL_NUMBER = 0x000C,
	STUN_ATTR_LIFETIME = 0x000D,
	STUN_ATTR_XOR_PEER_ADDRESS = 0x0012,
	STUN_ATTR_DATA = 0x0013,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
	STUN_ATTR_EVEN_PORT = 0x0018,
	STUN_ATTR_REQUESTED_TRANSPORT = 0x0019,
	STUN_ATTR_DONT_FRAGMENT = 0x001A,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	STUN_ATTR_USERHASH = 0x001E,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_RESERVATION_TOKEN = 0x0022,
	STUN_ATTR_PRIORITY = 0x0024,
	STUN_ATTR_USE_CANDIDATE = 0x0025,
	STUN_ATTR_CONNECTION_ID = 0x002A,
	STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
	STUN_ATTR_ADDRESS_ERROR_CODE = 0x8001,
	STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	STUN_ATTR_ICMP = 0x8004,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,
	STUN_ATTR_ICE_CONTROLLING = 0x802A,
	STUN_ATTR_RESPONSE_ORIGIN = 0x802B,
	STUN_ATTR_OTHER_ADDRESS = 0x802C,
	STUN_ATTR_MOBILITY_TICKET = 0x8030, /* RFC 8016 */
};

/* One attribute as found in a parsed message. value points into the
 * message (borrowed); len is the unpadded value length. */
struct stun_attr {
	uint16_t type;
	uint16_t len;
	const uint8_t *value;
};

/* A parsed message: a view on the caller's buffer, valid as long as it.
 * attrs holds every attribute in wire order up to and including
 * MESSAGE-INTEGRITY(-SHA256)/FINGERPRINT; attributes after
 * MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are
 * ignored (RFC 8489 14.5) and do not appear. */
struct stun_msg {
	const uint8_t *raw; /* borrowed: the whole message */
	size_t len;         /* header + attributes */
	uint16_t method;
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];
	size_t n_attrs;
	struct stun_attr attrs[STUN_MAX_ATTRS];
	/* Offsets of the attribute headers in raw, or 0 when absent. */
	size_t integrity_off;
	size_t integrity_sha256_off;
	size_t fingerprint_off;
};

/* Message type <-> method and class (RFC 8489 5: bits interleaved). */
uint16_t stun_type(uint16_t method, enum stun_class cls);
uint16_t stun_type_method(uint16_t type);
enum stun_class stun_type_class(uint16_t type);

/* Quick check: 20+ bytes, top two bits zero, magic cookie, length a
 * multiple of 4 and within len. */
bool stun_looks_like_stun(const uint8_t *p, size_t len);

/* Parses one STUN message. Checks: header, cookie, length fits, every
 * attribute length fits, padding within bounds, at most STUN_MAX_ATTRS,
 * FINGERPRINT last and correct when present, MESSAGE-INTEGRITY 20 bytes and
 * MESSAGE-INTEGRITY-SHA256 16..32 bytes multiple of 4.
 * Returns the message length (header + body) or TR_EINVAL. Trailing bytes
 * after the message (len greater than the message) are not an error. */
ssize_t stun_parse(struct stun_msg *msg, const uint8_t *p, size_t len);

/* First attribute of the type, or NULL. */
const struct stun_attr *stun_find(const struct stun_msg *msg, uint16_t type);
bool stun_has_fingerprint(const struct stun_msg *msg);

/* Comprehension-required attributes (< 0x8000) that this codec does not
 * know. Writes up to max types to out and returns the count found. */
size_t stun_unknown_required(const struct stun_msg *msg, uint16_t *out, size_t max);

/* Attribute decoders: 0 or TR_EINVAL. */
int stun_attr_u32(const struct stun_attr *a, uint32_t *out);
/* XOR-MAPPED/PEER/RELAYED-ADDRESS: family 1/2, port ^ 0x2112, address ^
 * cookie (and transaction id for IPv6). */
int stun_attr_xor_addr(const struct stun_attr *a, const uint8_t tid[STUN_TID_LEN],
		       struct tr_addr *out);
int stun_attr_addr(const struct stun_attr *a, struct tr_addr *out);
/* ERROR-CODE: code 300..699; reason borrowed, not NUL-terminated. */
int stun_attr_error_code(const struct stun_attr *a, int *code, const char **reason,
			 size_t *reason_len);
/* Copies a text attribute (USERNAME, REALM, NONCE, SOFTWARE) into out as a
 * NUL-terminated string; TR_EINVAL if it does not fit or contains NUL. */
int stun_attr_string(const struct stun_attr *a, char *out, size_t outlen);

/* MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 14.5) and -SHA256 (14.6) checks,
 * computed with the header length adjusted as the RFC says. Constant-time
 * comparison. false when the attribute is absent. */
bool stun_check_integrity(const struct stun_msg *msg, const uint8_t *key, size_t keylen);
bool stun_check_integrity_sha256(const struct stun_msg *msg, const uint8_t *key,
				 size_t keylen);

/* CRC-32 (ISO-HDLC / zlib polynomial), for FINGERPRINT. */
uint32_t stun_crc32(const uint8_t *p, size_t len);

/* Builder: writes into a caller buffer. Any overflow is sticky and makes
 * stun_build_finish return TR_ETRUNC, so callers check once at the end. */
struct stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void stun_build_start(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		      enum stun_class cls, const uint8_t tid[STUN_TID_LEN]);
void stun_add_attr(struct stun_builder *b, uint16_t type, const void *value, size_t len);
void stun_add_u32(struct stun_builder *b, uint16_t type, uint32_t v);
void stun_add_string(struct stun_builder *b, uint16_t type, const char *s);
void stun_add_xor_addr(struct stun_builder *b, uint16_t type, const struct tr_addr *a);
void stun_add_addr(struct stun_builder *b, uint16_t type, const struct tr_addr *a);
/* ERROR-CODE with the standard reason phrase when reason is NULL. */
void stun_add_error(struct stun_builder *b, int code, const char *reason);
void stun_add_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n);
/* Appends MESSAGE-INTEGRITY / -SHA256 over what was built so far. */
void stun_add_integrity(struct stun_builder *b, const uint8_t *key, size_t keylen);
void stun_add_integrity_sha256(struct stun_builder *b, const uint8_t *key, size_t keylen);
void stun_add_fingerprint(struct stun_builder *b);
/* Returns the message length or TR_ETRUNC. */
ssize_t stun_build_finish(struct stun_builder *b);

/* The STUN/TURN error codes this server answers, each with its reason
 * phrase: RFC 8489 14.8, RFC 8656 19, RFC 6062 6.3, RFC 8016 3.4.
 * X(name, code, phrase); the enum and the phrase table are built from it,
 * so a code cannot go without its phrase. */
#define STUN_ERROR_LIST(X)                                                               \
	X(TRY_ALTERNATE, 300, "Try Alternate")                                           \
	X(BAD_REQUEST, 400, "Bad Request")                                               \
	X(UNAUTHORIZED, 401, "Unauthorized")                                             \
	X(FORBIDDEN, 403, "Forbidden")                                                   \
	X(MOBILITY_FORBIDDEN, 405, "Mobility Forbidden")                                 \
	X(UNKNOWN_ATTRIBUTE, 420, "Unknown Attribute")                                   \
	X(ALLOCATION_MISMATCH, 437, "Allocation Mismatch")                               \
	X(STALE_NONCE, 438, "Stale Nonce")                                               \
	X(ADDRESS_FAMILY, 440, "Address Family not Supported")                           \
	X(WRONG_CREDENTIALS, 441, "Wrong Credentials")                                   \
	X(UNSUPPORTED_TRANSPORT, 442, "Unsupported Transport Protocol")                  \
	X(PEER_FAMILY_MISMATCH, 443, "Peer Address Family Mismatch")                     \
	X(CONNECTION_EXISTS, 446, "Connection Already Exists")                           \
	X(CONNECTION_FAILURE, 447, "Connection Timeout or Failure")                      \
	X(QUOTA_REACHED, 486, "Allocation Quota Reached")                                \
	X(SERVER_ERROR, 500, "Server Error")                                             \
	X(INSUFFICIENT_CAPACITY, 508, "Insufficient Capacity")

#define STUN_ERROR_ENUM_(name, code, phrase) STUN_ERR_##name = code,
enum stun_error {
	STUN_ERR_NONE = 0, /* no error: the request goes on */
	STUN_ERROR_LIST(STUN_ERROR_ENUM_)
};
#undef STUN_ERROR_ENUM_

/* Standard reason phrase for a STUN/TURN error code ("Bad Request", ...);
 * "Error" for a code outside STUN_ERROR_LIST. */
const char *stun_reason_phrase(int code);

/* ChannelData (RFC 8656 12.4): channel numbers 0x4000-0x4FFF. RFC 5766
 * allowed up to 0x7FFF and older clients (coturn's uclient among them)
 * still use that range, so framing accepts it; which numbers may be bound
 * is the server's decision. */
#define CHANNEL_MIN 0x4000
#define CHANNEL_MAX 0x4FFF
#define CHANNEL_MAX_RFC5766 0x7FFF
#define CHANNELDATA_HEADER_LEN 4
bool channeldata_looks_like(const uint8_t *p, size_t len);
/* Parses the header; data is borrowed. Returns header+data length (without
 * padding) or TR_EINVAL when the length field exceeds len. */
ssize_t channeldata_parse(const uint8_t *p, size_t len, uint16_t *channel,
			  const uint8_t **data, size_t *data_len);
/* Writes the 4-byte header; data follows at out + 4. */
void channeldata_write_header(uint8_t *out, uint16_t channel, uint16_t data_len);

/* Stream framing for TURN over TCP/TLS: given the first bytes buffered,
 * the length of the next whole frame — a STUN message, or a ChannelData
 * message padded to 4 (RFC 8656 12.5). 0 when more bytes are needed to
 * tell; TR_EINVAL when the bytes are neither. */
ssize_t stun_stream_frame_len(const uint8_t *p, size_t len);

#endif
