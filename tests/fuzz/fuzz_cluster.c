/* libFuzzer target for the frames nodes exchange over Redis pub/sub and
 * the relayed-event payloads inside them: what decodes must re-encode to
 * the same bytes (one canonical form), and decoding never reads past the
 * input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "fuzz.h"

static void relay(const uint8_t *data, size_t size)
{
	struct cluster_relay r;
	uint8_t *out;
	ssize_t n;

	if (cluster_relay_decode(data, size, &r))
		return;
	out = malloc(size);
	if (!out)
		return;
	n = cluster_relay_encode(&r, out, size);
	if (n != (ssize_t)size || memcmp(out, data, size))
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster_frame f;
	uint8_t *out;
	ssize_t n;

	relay(data, size);
	if (cluster_frame_decode(data, size, &f))
		return 0;
	out = malloc(size);
	if (!out)
		return 0;
	n = cluster_frame_encode(&f, out, size);
	if (n != (ssize_t)size || memcmp(out, data, size))
		abort();
	free(out);
	return 0;
}
