/* The small writers every module shares: lowercase hex (keys, nonces,
 * random ids, log escapes) and the Prometheus exposition lines. */
#include <stdint.h>
#include <stdlib.h>

#include <event2/buffer.h>

#include "harness.h"
#include "util/hex.h"
#include "util/prom.h"

static void test_hex_encode(void)
{
	const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[2 * sizeof(in) + 1];

	memset(out, 'Z', sizeof(out));
	hex_encode(out, in, sizeof(in));
	CHECK(out[2 * sizeof(in)] == 'Z'); /* no NUL written */
	out[2 * sizeof(in)] = '\0';
	CHECK_STR(out, "00017f80abff");
	hex_encode(out, in, 0);
	CHECK(out[0] == '0');
}

static void test_hex_decode(void)
{
	uint8_t out[4] = { 9, 9, 9, 9 };

	CHECK(hex_decode(out, "00ff7Fa0", 4, true));
	CHECK(out[0] == 0x00 && out[1] == 0xff && out[2] == 0x7f && out[3] == 0xa0);
	/* Upper case only when asked for; a refusal leaves out alone. */
	memset(out, 9, sizeof(out));
	CHECK(!hex_decode(out, "00ff7Fa0", 4, false));
	CHECK(out[0] == 9 && out[3] == 9);
	CHECK(!hex_decode(out, "00fg", 2, true));
	CHECK(!hex_decode(out, "0", 1, true)); /* stops at the NUL */
	CHECK(out[0] == 9);
	CHECK_EQ_INT(hex_digit('f', false), 15);
	CHECK_EQ_INT(hex_digit('F', false), -1);
	CHECK_EQ_INT(hex_digit('F', true), 15);
	CHECK_EQ_INT(hex_digit('/', true), -1);
}

static void test_hex_round_trip(void)
{
	unsigned seed = 7;
	uint8_t in[64], back[64];
	char text[128];

	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(in);

		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rand_r(&seed);
		hex_encode(text, in, len);
		CHECK(hex_decode(back, text, len, false));
		CHECK(!memcmp(in, back, len));
	}
}

/* The evbuffer's text, NUL-terminated (static; one at a time). */
static const char *text_of(struct evbuffer *b)
{
	static char out[1024];
	size_t n = evbuffer_get_length(b);

	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	evbuffer_copyout(b, out, n);
	out[n] = '\0';
	evbuffer_drain(b, evbuffer_get_length(b));
	return out;
}

static void test_prom(void)
{
	struct evbuffer *b = evbuffer_new();

	REQUIRE(b != NULL);
	prom_metric(b, "x_total", "counter", "Things.", 18446744073709551615ULL);
	CHECK_STR(text_of(b), "# HELP x_total Things.\n# TYPE x_total counter\n"
			      "x_total 18446744073709551615\n");
	prom_family(b, "y", "gauge", "Two\nlines \\ here.");
	CHECK_STR(text_of(b), "# HELP y Two\\nlines \\\\ here.\n# TYPE y gauge\n");
	prom_sample(b, "y", "room", "plain-id.1", 3);
	CHECK_STR(text_of(b), "y{room=\"plain-id.1\"} 3\n");
	/* A label value cannot end its quotes or its line. */
	prom_sample(b, "y", "room", "a\"} 9\nz\\", 0);
	CHECK_STR(text_of(b), "y{room=\"a\\\"} 9\\nz\\\\\"} 0\n");
	prom_sample(b, "y", "room", "", 1);
	CHECK_STR(text_of(b), "y{room=\"\"} 1\n");
	evbuffer_free(b);
}

int main(void)
{
	RUN(test_hex_encode);
	RUN(test_hex_decode);
	RUN(test_hex_round_trip);
	RUN(test_prom);
	return HARNESS_DONE();
}
