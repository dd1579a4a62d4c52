/* libFuzzer target for the one peer range parser (util/peer_range.c:
 * allowed-peer-ip and denied-peer-ip values) and the filter decision on
 * arbitrary addresses and ports. Properties: a parsed range is ordered,
 * contains both its ends, and its text form parses back to the same
 * bytes. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "turn/turn.h"
#include "util/addr.h"
#include "util/peer_range.h"

static void check_range(const struct peer_range *r)
{
	char text[PEER_RANGE_STR_MAX];
	struct peer_range back;

	if ((r->len != 4 && r->len != 16) || memcmp(r->first, r->last, r->len) > 0 ||
	    !peer_range_contains(r, r->first, r->len) ||
	    !peer_range_contains(r, r->last, r->len))
		abort();
	peer_range_to_str(r, text, sizeof(text));
	if (peer_range_parse(text, &back) != 0 || memcmp(r, &back, sizeof(back)))
		abort();
}

static void judge(const struct peer_filter *f, const uint8_t *data, size_t size)
{
	struct tr_addr a;

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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	struct peer_filter *f;
	struct peer_range r;
	bool parsed;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = '\0';
	parsed = peer_range_parse(text, &r) == 0;
	if (parsed)
		check_range(&r);
	f = peer_filter_new(size & 1);
	if (!f)
		return 0;
	if (parsed)
		peer_filter_add(f, &r, size & 2);
	if (parsed && (size & 4)) {
		static const uint16_t listen[] = { 3478, 5349 };

		peer_filter_add_self(f, &r, size & 8);
		peer_filter_set_ports(f, 3000, 4000, listen, 2);
	}
	judge(f, data, size);
	peer_filter_free(f);
	return 0;
}
