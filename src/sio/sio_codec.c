/* Socket.IO v5 packets (socket.io-protocol "Packet encoding"): a type digit,
 * for binary types the attachment count and '-', a namespace ending in ','
 * when not "/", an ack id in decimal, then the JSON payload. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "sio/sio.h"
#include "util/errors.h"

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits at p[*i..] into *v, at most max_digits of them. */
static int read_number(const uint8_t *p, size_t len, size_t *i, unsigned max_digits,
		       uint64_t *v)
{
	unsigned n = 0;

	*v = 0;
	while (*i < len && is_digit(p[*i])) {
		if (++n > max_digits)
			return TR_EINVAL;
		*v = *v * 10 + (uint64_t)(p[*i] - '0');
		(*i)++;
	}
	return n ? 0 : TR_EINVAL;
}

int sio_packet_parse(const uint8_t *p, size_t len, struct sio_packet *pkt)
{
	size_t i = 1;
	uint64_t v;

	memset(pkt, 0, sizeof(*pkt));
	if (!len || p[0] < '0' || p[0] > '6')
		return TR_EINVAL;
	pkt->type = (enum sio_type)(p[0] - '0');
	if (pkt->type == SIO_BINARY_EVENT || pkt->type == SIO_BINARY_ACK) {
		if (read_number(p, len, &i, 3, &v) || v > SIO_MAX_ATTACHMENTS ||
		    i >= len || p[i] != '-')
			return TR_EINVAL;
		pkt->attachments = (unsigned)v;
		i++;
	}
	pkt->nsp = "/";
	pkt->nsp_len = 1;
	if (i < len && p[i] == '/') {
		const uint8_t *comma = memchr(p + i, ',', len - i);
		size_t n = comma ? (size_t)(comma - (p + i)) : len - i;

		if (n > SIO_NSP_MAX)
			return TR_EINVAL;
		pkt->nsp = (const char *)p + i;
		pkt->nsp_len = n;
		i += n + (comma ? 1 : 0);
	}
	if (i < len && is_digit(p[i])) {
		/* 4294967295 has ten digits; the client counts from 0 up. */
		if (read_number(p, len, &i, 10, &v) || v > SIO_MAX_ACK_ID)
			return TR_EINVAL;
		pkt->has_ack = true;
		pkt->ack_id = v;
	}
	pkt->data = (const char *)p + i;
	pkt->data_len = len - i;
	return 0;
}

bool sio_event_reserved(const char *name)
{
	static const char *const reserved[] = { "connect",     "connect_error",
						"disconnect",  "disconnecting",
						"newListener", "removeListener" };

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(name, reserved[i]))
			return true;
	return false;
}

bool sio_payload_valid(const struct sio_packet *pkt, const json_t *payload)
{
	switch (pkt->type) {
	case SIO_CONNECT:
		return !payload || json_is_object(payload);
	case SIO_DISCONNECT:
		return !payload;
	case SIO_CONNECT_ERROR:
		return json_is_object(payload) || json_is_string(payload);
	case SIO_EVENT:
	case SIO_BINARY_EVENT: {
		const json_t *name = json_array_get(payload, 0);

		return json_is_array(payload) && json_array_size(payload) > 0 &&
		       ((json_is_string(name) &&
			 !sio_event_reserved(json_string_value(name))) ||
			json_is_integer(name));
	}
	case SIO_ACK:
	case SIO_BINARY_ACK:
		return json_is_array(payload);
	}
	return false;
}

/* Marks seen[num] for every placeholder; false on a bad one. The depth
 * bound keeps the walk's stack small whatever jansson accepted. */
static bool walk_placeholders(const json_t *v, unsigned n, bool *seen, unsigned depth)
{
	const char *key;
	json_t *x;
	size_t i;

	if (depth > 64)
		return false;
	if (json_is_array(v)) {
		json_array_foreach(v, i,
				   x) if (!walk_placeholders(x, n, seen,
							     depth + 1)) return false;
		return true;
	}
	if (!json_is_object(v))
		return true;
	if (json_is_true(json_object_get(v, "_placeholder"))) {
		const json_t *num = json_object_get(v, "num");

		if (!json_is_integer(num) || json_integer_value(num) < 0 ||
		    json_integer_value(num) >= (json_int_t)n)
			return false;
		seen[json_integer_value(num)] = true;
		return true;
	}
	json_object_foreach((json_t *)v, key,
			    x) if (!walk_placeholders(x, n, seen,
						      depth + 1)) return false;
	return true;
}

bool sio_placeholders_valid(const json_t *v, unsigned n)
{
	bool seen[SIO_MAX_ATTACHMENTS] = { false };

	if (n > SIO_MAX_ATTACHMENTS || !walk_placeholders(v, n, seen, 0))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!seen[i])
			return false;
	return true;
}

int sio_head_write(char *out, size_t cap, enum sio_type type, unsigned attachments,
		   const char *nsp, bool has_ack, uint64_t ack_id)
{
	int n;
	bool other_nsp = nsp && strcmp(nsp, "/");
	char att[16] = "", id[24] = "";

	if (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK)
		snprintf(att, sizeof(att), "%u-", attachments);
	if (has_ack)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)ack_id);
	n = snprintf(out, cap, "%d%s%s%s%s", (int)type, att, other_nsp ? nsp : "",
		     other_nsp ? "," : "", id);
	return n < 0 || (size_t)n >= cap ? TR_ETRUNC : n;
}
