/* libFuzzer target for the Engine.IO v4 codec: any bytes split into
 * packets or fail cleanly; every packet lies inside the input; base64
 * packets decode within the length they announce. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eio/eio.h"

#define FUZZ_ASSERT(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			abort();                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eio_packet pkt;
	size_t off = 0, prev = 0;
	uint8_t out[2048];
	char query[256], v[64];
	int rc;

	while ((rc = eio_payload_next(data, size, &off, &pkt)) == 1) {
		FUZZ_ASSERT(off > prev && off <= size);
		FUZZ_ASSERT(pkt.data >= data && pkt.data + pkt.len <= data + size);
		FUZZ_ASSERT(pkt.type >= EIO_OPEN && pkt.type <= EIO_NOOP);
		if (pkt.b64) {
			ssize_t n = eio_base64_decode(pkt.data, pkt.len, NULL, 0);

			if (n >= 0) {
				FUZZ_ASSERT((size_t)n <= pkt.len);
				if ((size_t)n <= sizeof(out))
					FUZZ_ASSERT(eio_base64_decode(pkt.data, pkt.len, out,
								      sizeof(out)) == n);
			}
		}
		prev = off;
	}
	FUZZ_ASSERT(rc == 0 || rc < 0);
	if (size < sizeof(query)) {
		memcpy(query, data, size);
		query[size] = '\0';
		if (eio_query_get(query, "sid", v, sizeof(v)))
			FUZZ_ASSERT(strlen(v) < sizeof(v));
	}
	return 0;
}
