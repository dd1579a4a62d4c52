/* libFuzzer target for the Engine.IO v4 codec: any bytes split into
 * packets or fail cleanly; every packet lies inside the input; base64
 * packets decode within the length they announce. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eio/eio.h"
#include "fuzz.h"

#define FUZZ_ASSERT(c)                                                                   \
	do {                                                                             \
		if (!(c))                                                                \
			abort();                                                         \
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
					FUZZ_ASSERT(eio_base64_decode(pkt.data, pkt.len,
								      out,
								      sizeof(out)) == n);
			}
		}
		prev = off;
	}
	FUZZ_ASSERT(rc == 0 || rc < 0);
	{
		struct eio_ws_frame f;
		uint8_t h[10];

		if (eio_ws_frame_head(data, size, &f) == 1) {
			FUZZ_ASSERT(f.head_len >= 2 && f.head_len <= 14 &&
				    f.head_len <= size);
			FUZZ_ASSERT(f.opcode <= EIO_WS_PONG);
			if (f.opcode >= EIO_WS_CLOSE)
				FUZZ_ASSERT(f.len <= 125 && f.fin);
			/* What we write reads back the same. */
			size_t n =
				eio_ws_head_write(h, (enum eio_ws_opcode)f.opcode, f.len);
			struct eio_ws_frame g;

			FUZZ_ASSERT(eio_ws_frame_head(h, n, &g) == 1 && g.len == f.len &&
				    !g.masked && g.fin && g.head_len == n);
		}
	}
	if (size < sizeof(query)) {
		memcpy(query, data, size);
		query[size] = '\0';
		if (eio_query_get(query, "sid", v, sizeof(v)))
			FUZZ_ASSERT(strlen(v) < sizeof(v));
	}
	return 0;
}
