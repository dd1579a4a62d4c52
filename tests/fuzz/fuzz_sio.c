/* libFuzzer target for the Socket.IO v5 packet codec: heads parse or fail
 * cleanly inside the input; payloads that are JSON are checked for their
 * shape and binary placeholders without crashing. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sio/sio.h"

#define FUZZ_ASSERT(c)                                                                   \
	do {                                                                             \
		if (!(c))                                                                \
			abort();                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sio_packet p;
	json_t *v = NULL;
	char head[64];

	{
		struct sio_span it[4], field;
		size_t n;
		bool ok = sio_json_valid((const char *)data, size);

		/* The scanner agrees with jansson on what is JSON (jansson
		 * also checks UTF-8, which the transport does for us). */
		json_t *j = json_loadb((const char *)data, size,
				       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		/* (shallower than the scanner's 64 levels, and without a raw
		 * NUL, where jansson stops reading) */
		if (j && size < 128 && !memchr(data, 0, size))
			FUZZ_ASSERT(ok);
		json_decref(j);
		if (sio_json_array_items((const char *)data, size, it, 4, &n))
			for (size_t i = 0; i < n && i < 4; i++)
				FUZZ_ASSERT(it[i].off + it[i].len <= size);
		if (sio_json_object_get((const char *)data, size, "data", &field))
			FUZZ_ASSERT(field.off + field.len <= size && field.len);
	}
	if (sio_packet_parse(data, size, &p))
		return 0;
	FUZZ_ASSERT(p.type <= SIO_BINARY_ACK);
	FUZZ_ASSERT(p.attachments <= SIO_MAX_ATTACHMENTS);
	FUZZ_ASSERT((const uint8_t *)p.data >= data &&
		    (const uint8_t *)p.data + p.data_len == data + size);
	FUZZ_ASSERT(p.nsp_len >= 1 && p.nsp_len <= SIO_NSP_MAX);
	if (p.data_len)
		v = json_loadb(p.data, p.data_len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
			       NULL);
	sio_payload_valid(&p, v);
	sio_placeholders_valid(v, p.attachments);
	json_decref(v);
	FUZZ_ASSERT(sio_head_write(head, sizeof(head), p.type, p.attachments, NULL,
				   p.has_ack, p.ack_id) > 0);
	return 0;
}
