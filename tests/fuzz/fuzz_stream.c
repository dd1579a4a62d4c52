/* libFuzzer target for TURN stream framing (turn_stream_next): the input
 * is a chunking and a byte stream; the stream is framed once from a single
 * chain and once delivered chunk by chunk, each chunk an exactly-sized heap
 * block of its own referenced into the buffer (so an overread is a heap
 * overflow under ASan). The frames, and the verdict at the end (error, or
 * how many bytes wait), must be the same whatever the chunking.
 *
 * Input: byte 0 = number K (mod 16) of chunk-size bytes that follow; chunk
 * sizes are those bytes + 1, used in turn; the rest is the stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "turn/turn_internal.h"
#include "util/errors.h"

#define FUZZ_ASSERT(c)                                                                   \
	do {                                                                             \
		if (!(c))                                                                \
			abort();                                                         \
	} while (0)

struct framed {
	struct evbuffer *frames; /* each frame, length-prefixed */
	ssize_t verdict;         /* last turn_stream_next result: 0 or error */
};

static void free_block(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static void take(struct evbuffer *in, struct framed *out)
{
	const uint8_t *frame;
	ssize_t n;

	if (out->verdict < 0)
		return; /* the connection would be closed by now */
	while ((n = turn_stream_next(in, &frame)) > 0) {
		uint32_t len = (uint32_t)n;

		evbuffer_add(out->frames, &len, sizeof(len));
		evbuffer_add(out->frames, frame, (size_t)n);
		evbuffer_drain(in, (size_t)n);
	}
	out->verdict = n;
}

static size_t leftover(struct evbuffer *in, const struct framed *f)
{
	return f->verdict < 0 ? 0 : evbuffer_get_length(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *whole = evbuffer_new(), *chunked = evbuffer_new();
	struct framed a = { evbuffer_new(), 0 }, b = { evbuffer_new(), 0 };
	size_t k, off;
	const uint8_t *sizes;

	if (size < 1)
		goto out;
	k = data[0] % 16;
	if (size < 1 + k)
		goto out;
	sizes = data + 1;
	data += 1 + k;
	size -= 1 + k;

	evbuffer_add(whole, data, size);
	take(whole, &a);

	off = 0;
	for (size_t i = 0; off < size; i++) {
		size_t n = k ? (size_t)sizes[i % k] + 1 : size;
		uint8_t *block;

		if (n > size - off)
			n = size - off;
		block = malloc(n);
		FUZZ_ASSERT(block);
		memcpy(block, data + off, n);
		evbuffer_add_reference(chunked, block, n, free_block, NULL);
		off += n;
		take(chunked, &b);
	}

	FUZZ_ASSERT(a.verdict == b.verdict);
	FUZZ_ASSERT(leftover(whole, &a) == leftover(chunked, &b));
	FUZZ_ASSERT(evbuffer_get_length(a.frames) == evbuffer_get_length(b.frames));
	{
		size_t n = evbuffer_get_length(a.frames);

		FUZZ_ASSERT(!n || !memcmp(evbuffer_pullup(a.frames, -1),
					  evbuffer_pullup(b.frames, -1), n));
	}
out:
	evbuffer_free(whole);
	evbuffer_free(chunked);
	evbuffer_free(a.frames);
	evbuffer_free(b.frames);
	return 0;
}
