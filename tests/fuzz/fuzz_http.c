/* libFuzzer target for the HTTP request head codec, the UTF-8 check of
 * WebSocket text frames and chunked bodies: arbitrary bytes parse or fail
 * cleanly, whatever parses has NUL-terminated fields within their
 * buffers, and the streaming chunked decoder split at random points gives
 * what one call gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/http.h"
#include "signaling/signaling_internal.h"

#define FUZZ_ASSERT(c)                                                                   \
	do {                                                                             \
		if (!(c))                                                                \
			abort();                                                         \
	} while (0)

/* The streaming chunked decoder fed in pieces of 1 to 64 bytes (sizes
 * drawn from seed): the same verdict, data and bytes taken as one call. */
static void chunked_splits(uint8_t seed, const uint8_t *p, size_t len)
{
	static uint8_t one[1024], two[1024];
	size_t n1 = 0, u1 = 0, off = 0, o = 0;
	int want = http_chunked_decode(p, len, one, sizeof(one), &n1, &u1), got = 0;
	uint32_t rng = seed * 2654435761u + 1;
	struct http_chunked d;

	http_chunked_init(&d);
	while (off < len && !d.done) {
		size_t step, w;
		ssize_t k;

		rng = rng * 1103515245u + 12345u;
		step = 1 + (rng >> 16) % 64;
		if (step > len - off)
			step = len - off;
		k = http_chunked_feed(&d, p + off, step, two + o, &w, sizeof(two));
		if (k < 0) {
			got = (int)k;
			break;
		}
		/* All of a piece is taken until the body ends. */
		FUZZ_ASSERT((size_t)k == step || d.done);
		FUZZ_ASSERT(w <= (size_t)k && o + w <= sizeof(two));
		off += (size_t)k;
		o += w;
	}
	if (got == 0 && d.done)
		got = 1;
	FUZZ_ASSERT(got == want);
	if (want == 1)
		FUZZ_ASSERT(o == n1 && off == u1 && !memcmp(one, two, o));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	size_t head = http_head_length(data, size);

	FUZZ_ASSERT(head <= size);
	if (head && http_parse_head(data, head, &req) == 0) {
		FUZZ_ASSERT(memchr(req.path, 0, sizeof(req.path)));
		FUZZ_ASSERT(memchr(req.host, 0, sizeof(req.host)));
		FUZZ_ASSERT(memchr(req.origin, 0, sizeof(req.origin)));
		FUZZ_ASSERT(memchr(req.ws_key, 0, sizeof(req.ws_key)));
		FUZZ_ASSERT(req.path[0] == '/');
	}
	signaling_utf8_valid(data, size);
	{
		uint8_t out[1024];
		size_t n = 0, used = 0;

		if (http_chunked_decode(data, size, out, sizeof(out), &n, &used) == 1)
			FUZZ_ASSERT(n <= sizeof(out) && used <= size && n < used);
	}
	if (size)
		chunked_splits(data[0], data + 1, size - 1);
	return 0;
}
