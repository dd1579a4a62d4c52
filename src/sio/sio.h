/* The Socket.IO v5 packet codec (socketio/socket.io-protocol): the packet
 * head ("<type>[<attachments>-][<nsp>,][<ack id>]") is read by a pure
 * function (no I/O, no allocation); the JSON payload's shape and its
 * binary placeholders are checked on a jansson value. */
#ifndef TR_SIO_H
#define TR_SIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sio_type {
	SIO_CONNECT = 0,
	SIO_DISCONNECT = 1,
	SIO_EVENT = 2,
	SIO_ACK = 3,
	SIO_CONNECT_ERROR = 4,
	SIO_BINARY_EVENT = 5,
	SIO_BINARY_ACK = 6,
};

/* Attachments of one binary packet, ack ids: bounded on the wire. */
#define SIO_MAX_ATTACHMENTS 64
#define SIO_MAX_ACK_ID 4294967295ULL
#define SIO_NSP_MAX 256

/* A decoded head; nsp and data point into the input (borrowed). */
struct sio_packet {
	enum sio_type type;
	unsigned attachments; /* binary types only */
	const char *nsp;      /* "/" when absent */
	size_t nsp_len;
	bool has_ack;
	uint64_t ack_id;
	const char *data; /* JSON text, may be empty */
	size_t data_len;
};

/* 0, or TR_EINVAL for an unknown type, a bad attachment count (missing,
 * zero-less "-", over SIO_MAX_ATTACHMENTS, or present on a non-binary
 * type), an unterminated or over-long namespace, or an over-long ack id. */
int sio_packet_parse(const uint8_t *p, size_t len, struct sio_packet *pkt);

struct json_t;
/* Whether the decoded JSON payload (NULL when data was empty) fits the
 * packet type, as the reference parser checks it: CONNECT an object or
 * nothing, DISCONNECT nothing, EVENT a non-empty array starting with a
 * non-reserved event name, ACK an array, CONNECT_ERROR an object or
 * string. */
bool sio_payload_valid(const struct sio_packet *pkt, const struct json_t *payload);
/* Whether every {"_placeholder":true,"num":N} in v has 0 <= N < n and the
 * number of distinct placeholders is what the head announced. */
bool sio_placeholders_valid(const struct json_t *v, unsigned n);
/* Writes the head of a packet to send ("2", "3/x,12", "51-"), NUL-ended;
 * length, or TR_ETRUNC when it does not fit. nsp NULL means "/". */
int sio_head_write(char *out, size_t cap, enum sio_type type, unsigned attachments,
		   const char *nsp, bool has_ack, uint64_t ack_id);

/* ---- a JSON scanner for the hot path (sio_json.c): validates and finds
 * spans without building a tree. Pure. ---- */

#include <sys/types.h>

struct sio_span {
	size_t off, len; /* of a value's text, within the scanned text */
};

/* Whether p[0..len) is exactly one JSON value (RFC 8259; whitespace
 * around it allowed; at most 64 levels deep). */
bool sio_json_valid(const char *p, size_t len);
/* For an array: the spans of its first max items, their total count in
 * *n; false when p is not exactly one valid array. */
bool sio_json_array_items(const char *p, size_t len, struct sio_span *items, size_t max,
			  size_t *n);
/* For an object: the span of the value of the first member named key
 * (compared as written, escapes not undone); false when absent or when
 * the object is malformed up to it. */
bool sio_json_object_get(const char *p, size_t len, const char *key,
			 struct sio_span *out);
/* For an object, in one pass: out[k] gets the span of the first member
 * named keys[k] (len 0 when absent). false when p is not exactly one
 * valid object. */
bool sio_json_object_fields(const char *p, size_t len, const char *const *keys,
			    struct sio_span *out, size_t n);
/* Whether name is one the Socket.IO client reserves (connect, ...). */
bool sio_event_reserved(const char *name);

#endif
