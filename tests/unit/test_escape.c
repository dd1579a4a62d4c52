/* The one escaping helper for client strings in logs and control output:
 * nothing a client sends may end a line, hide as a control or pass as
 * broken UTF-8, and the cap holds at a character boundary. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "util/escape.h"

static const char *esc(const char *in, size_t len)
{
	static char out[ESC_LOG_LEN];

	return esc_bytes(out, sizeof(out), in, len);
}

#define ESC_LIT(lit) esc(lit, sizeof(lit) - 1)

static void test_controls(void)
{
	CHECK_STR(ESC_LIT("a\r\n2026-01-01 INFO forged"),
		  "a\\x0d\\x0a2026-01-01 INFO forged");
	CHECK_STR(ESC_LIT("x\x1b[2Jy"), "x\\x1b[2Jy");
	CHECK_STR(ESC_LIT("nul\0tab\tdel\x7f"), "nul\\x00tab\\x09del\\x7f");
	CHECK_STR(ESC_LIT("back\\x0a"), "back\\x5cx0a");
	CHECK_STR(ESC_LIT("plain user:realm 1234"), "plain user:realm 1234");
	CHECK_STR(ESC_LIT(""), "");
}

static void test_utf8(void)
{
	CHECK_STR(ESC_LIT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82");
	CHECK_STR(ESC_LIT("\xff\xfe"), "\\xff\\xfe");
	CHECK_STR(ESC_LIT("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
	CHECK_STR(ESC_LIT("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");          /* overlong */
	CHECK_STR(ESC_LIT("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
	CHECK_STR(ESC_LIT("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	CHECK_STR(ESC_LIT("\xc3"), "\\xc3");                            /* cut short */
	CHECK_STR(ESC_LIT("a\xc2\x85z"), "a\\xc2\\x85z");               /* NEL, C1 */
	CHECK_STR(ESC_LIT("\xe2\x80\xa8"), "\\xe2\\x80\\xa8"); /* LINE SEPARATOR */
	CHECK_STR(ESC_LIT("\xe2\x80\xae"), "\\xe2\\x80\\xae"); /* RLO */
}

static void test_cap(void)
{
	char big[1000], out[16];

	memset(big, 'a', sizeof(big));
	CHECK_STR(esc_bytes(out, sizeof(out), big, sizeof(big)), "aaaaaaaaaaaa...");
	CHECK_STR(esc_bytes(out, sizeof(out), big, 15), "aaaaaaaaaaaaaaa");
	/* Never half an escape or half a character. */
	CHECK_STR(esc_bytes(out, sizeof(out), "\n\n\n\n\n", 5), "\\x0a\\x0a\\x0a...");
	CHECK_STR(esc_bytes(out, sizeof(out),
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9\xc3\xa9",
			    16),
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
	CHECK_STR(esc_str(out, sizeof(out), NULL), "(null)");
	CHECK_STR(esc_bytes(out, 4, "abcdef", 6), "...");
}

static bool valid_utf8_without_controls(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		size_t n = *p < 0x80    ? 1
			   : *p >= 0xF0 ? 4
			   : *p >= 0xE0 ? 3
			   : *p >= 0xC2 ? 2
					: 0;

		if (n == 0 || *p < 0x20 || *p == 0x7F)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/* Random bytes: the output is always short, valid UTF-8 and control-free. */
static void test_random(void)
{
	char in[300], out[64];
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		size_t len = ((size_t)rand_r(&seed) % sizeof(in));

		for (size_t i = 0; i < len; i++)
			in[i] = (char)(rand_r(&seed) & 0xFF);
		esc_bytes(out, sizeof(out), in, len);
		CHECK(strlen(out) < sizeof(out));
		CHECK(valid_utf8_without_controls(out));
	}
}

int main(void)
{
	RUN(test_controls);
	RUN(test_utf8);
	RUN(test_cap);
	RUN(test_random);
	return HARNESS_DONE();
}
