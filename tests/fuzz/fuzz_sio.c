/* libFuzzer target for the Socket.IO v5 packet codec: heads parse or fail
 * cleanly inside the input; payloads that are JSON are checked for their
 * shape and binary placeholders without crashing. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "sio/sio.h"

#define FUZZ_ASSERT(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			abort();                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sio_packet p;
	json_t *v = NULL;
	char head[64];

	if (sio_packet_parse(data, size, &p))
		return 0;
	FUZZ_ASSERT(p.type <= SIO_BINARY_ACK);
	FUZZ_ASSERT(p.attachments <= SIO_MAX_ATTACHMENTS);
	FUZZ_ASSERT((const uint8_t *)p.data >= data && (const uint8_t *)p.data + p.data_len ==
						      data + size);
	FUZZ_ASSERT(p.nsp_len >= 1 && p.nsp_len <= SIO_NSP_MAX);
	if (p.data_len)
		v = json_loadb(p.data, p.data_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	sio_payload_valid(&p, v);
	sio_placeholders_valid(v, p.attachments);
	json_decref(v);
	FUZZ_ASSERT(sio_head_write(head, sizeof(head), p.type, p.attachments, NULL, p.has_ack,
				   p.ack_id) > 0);
	return 0;
}
