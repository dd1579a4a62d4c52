/* libFuzzer target for the peer range parser (allowed-peer-ip and
 * denied-peer-ip values) and the filter decision on arbitrary addresses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "turn/turn.h"
#include "util/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	struct peer_filter *f;
	struct tr_addr a;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = '\0';
	f = peer_filter_new(size & 1);
	if (!f)
		return 0;
	peer_filter_add(f, text, size & 2);
	/* Judge the raw bytes as an address of each family. */
	memset(&a, 0, sizeof(a));
	if (size >= 16) {
		a.u.v6.sin6_family = AF_INET6;
		memcpy(&a.u.v6.sin6_addr, data, 16);
		peer_filter_allows(f, &a);
	}
	if (size >= 4) {
		memset(&a, 0, sizeof(a));
		a.u.v4.sin_family = AF_INET;
		memcpy(&a.u.v4.sin_addr, data, 4);
		peer_filter_allows(f, &a);
	}
	peer_filter_free(f);
	return 0;
}
