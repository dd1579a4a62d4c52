/* libFuzzer target for the peer range parser (allowed-peer-ip and
 * denied-peer-ip values, the server's own addresses) and the filter
 * decision on arbitrary addresses and ports. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
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
	if (size & 4) {
		static const uint16_t listen[] = { 3478, 5349 };

		peer_filter_add_self(f, text, size & 8);
		peer_filter_set_ports(f, 3000, 4000, listen, 2);
	}
	/* Judge the raw bytes as an address of each family. */
	memset(&a, 0, sizeof(a));
	if (size >= 16) {
		a.u.v6.sin6_family = AF_INET6;
		memcpy(&a.u.v6.sin6_addr, data, 16);
		a.u.v6.sin6_port = htons((uint16_t)(3000 + size));
		peer_filter_allows(f, &a);
		peer_filter_allows_port(f, &a);
	}
	if (size >= 4) {
		memset(&a, 0, sizeof(a));
		a.u.v4.sin_family = AF_INET;
		memcpy(&a.u.v4.sin_addr, data, 4);
		a.u.v4.sin_port = htons((uint16_t)(3478 + (size & 1)));
		peer_filter_allows(f, &a);
		peer_filter_allows_port(f, &a);
	}
	peer_filter_free(f);
	return 0;
}
