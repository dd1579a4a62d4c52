/* libFuzzer target for the HTTP request head codec and the UTF-8 check of
 * WebSocket text frames: arbitrary bytes parse or fail cleanly, and
 * whatever parses has NUL-terminated fields within their buffers. */
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
	return 0;
}
