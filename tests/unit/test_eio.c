/* Unit tests for the Engine.IO v4 codec: polling payloads (0x1E
 * separators), packet types, base64 "b" packets and the query string. */
#include <stdint.h>
#include <string.h>

#include "eio/eio.h"
#include "harness.h"
#include "util/errors.h"

static int count_packets(const char *payload, struct eio_packet *out, int max)
{
	size_t off = 0, len = strlen(payload);
	int n = 0, rc;
	struct eio_packet pkt;

	while ((rc = eio_payload_next((const uint8_t *)payload, len, &off, &pkt)) == 1) {
		if (n < max)
			out[n] = pkt;
		n++;
	}
	return rc < 0 ? rc : n;
}

static void test_payload_split(void)
{
	struct eio_packet p[4];

	/* Recorded from the real client: three packets batched in one POST. */
	CHECK_EQ_INT(count_packets("42[\"leave\",{\"roomId\":\"r\"}]\x1e" "42[\"join\"]\x1e" "3",
				   p, 4), 3);
	CHECK_EQ_INT(p[0].type, EIO_MESSAGE);
	CHECK_EQ_INT(p[0].len, strlen("2[\"leave\",{\"roomId\":\"r\"}]"));
	CHECK(!memcmp(p[0].data, "2[\"leave\"", 9));
	CHECK_EQ_INT(p[2].type, EIO_PONG);
	CHECK_EQ_INT(p[2].len, 0);
	CHECK_EQ_INT(count_packets("1", p, 4), 1);
	CHECK_EQ_INT(p[0].type, EIO_CLOSE);
	CHECK_EQ_INT(count_packets("", p, 4), 0);
}

static void test_payload_refused(void)
{
	struct eio_packet p[4];

	CHECK_EQ_INT(count_packets("4a\x1e", p, 4), TR_EINVAL);  /* trailing separator */
	CHECK_EQ_INT(count_packets("\x1e" "4a", p, 4), TR_EINVAL); /* empty packet */
	CHECK_EQ_INT(count_packets("7x", p, 4), TR_EINVAL);         /* unknown type */
	CHECK_EQ_INT(count_packets("40\x1e" "x", p, 4), TR_EINVAL);
}

static void test_base64_packets(void)
{
	struct eio_packet p[2];
	uint8_t out[8];
	ssize_t n;
	char enc[16];

	CHECK_EQ_INT(count_packets("bAQID", p, 2), 1);
	CHECK(p[0].b64);
	CHECK_EQ_INT(p[0].type, EIO_MESSAGE);
	n = eio_base64_decode(p[0].data, p[0].len, out, sizeof(out));
	CHECK_EQ_INT(n, 3);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
	CHECK_EQ_INT(eio_base64_decode((const uint8_t *)"AQ==", 4, out, 8), 1);
	CHECK_EQ_INT(eio_base64_decode((const uint8_t *)"AQ=", 3, out, 8), TR_EINVAL);
	CHECK_EQ_INT(eio_base64_decode((const uint8_t *)"A=Q=", 4, out, 8), TR_EINVAL);
	CHECK_EQ_INT(eio_base64_decode((const uint8_t *)"AQID", 4, out, 2), TR_ETRUNC);
	CHECK_EQ_INT(eio_base64_decode((const uint8_t *)"A!ID", 4, NULL, 0), TR_EINVAL);
	CHECK_EQ_INT(eio_base64_len(3), 4);
	CHECK_EQ_INT(eio_base64_len(4), 8);
	eio_base64_encode((const uint8_t *)"\x01\x02\x03\xff", 4, enc);
	enc[8] = '\0';
	CHECK_STR(enc, "AQID/w==");
}

static void test_query(void)
{
	char v[32];

	CHECK(eio_query_get("EIO=4&transport=polling&t=abc", "transport", v, sizeof(v)));
	CHECK_STR(v, "polling");
	CHECK(eio_query_get("EIO=4&transport=polling&t=abc", "EIO", v, sizeof(v)));
	CHECK_STR(v, "4");
	CHECK(!eio_query_get("EIO=4&xsid=abc", "sid", v, sizeof(v)));
	CHECK(!eio_query_get("sid=0123456789", "sid", v, 5)); /* too long */
	CHECK(!eio_query_get("", "sid", v, sizeof(v)));
}

static void test_ids(void)
{
	char a[EIO_ID_LEN + 1], b[EIO_ID_LEN + 1];

	CHECK(eio_random_id(a));
	CHECK(eio_random_id(b));
	CHECK_EQ_INT(strlen(a), 20);
	CHECK(strcmp(a, b));
	CHECK_EQ_INT(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		     20);
}

static void test_ws_frames(void)
{
	/* RFC 6455 5.7: a masked "Hello" from a client. */
	uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	uint8_t big[10], out[10];
	struct eio_ws_frame f;

	CHECK_EQ_INT(eio_ws_frame_head(hello, 1, &f), 0);
	CHECK_EQ_INT(eio_ws_frame_head(hello, 5, &f), 0); /* mask not all there */
	CHECK_EQ_INT(eio_ws_frame_head(hello, sizeof(hello), &f), 1);
	CHECK(f.fin && f.masked);
	CHECK_EQ_INT(f.opcode, EIO_WS_TEXT);
	CHECK_EQ_INT(f.len, 5);
	CHECK_EQ_INT(f.head_len, 6);
	eio_ws_unmask(hello + 6, 5, f.mask, 0);
	CHECK(!memcmp(hello + 6, "Hello", 5));
	/* 64-bit length, and what we write for it. */
	CHECK_EQ_INT(eio_ws_head_write(out, EIO_WS_BINARY, 70000), 10);
	CHECK_EQ_INT(eio_ws_frame_head(out, 10, &f), 1);
	CHECK_EQ_INT(f.len, 70000);
	CHECK(!f.masked);
	CHECK_EQ_INT(eio_ws_head_write(out, EIO_WS_TEXT, 300), 4);
	CHECK(out[0] == 0x81 && out[1] == 126 && out[2] == 1 && out[3] == 44);
	/* Refused: RSV bits, unknown opcode, a long or fragmented control
	 * frame, a length with its top bit. */
	CHECK_EQ_INT(eio_ws_frame_head((const uint8_t *)"Á", 2, &f), TR_EINVAL);
	CHECK_EQ_INT(eio_ws_frame_head((const uint8_t *)"", 2, &f), TR_EINVAL);
	CHECK_EQ_INT(eio_ws_frame_head((const uint8_t *)"þ", 2, &f), TR_EINVAL);
	CHECK_EQ_INT(eio_ws_frame_head((const uint8_t *)"	", 2, &f), TR_EINVAL);
	memset(big, 0xff, sizeof(big));
	big[0] = 0x82;
	big[1] = 0x7f;
	CHECK_EQ_INT(eio_ws_frame_head(big, sizeof(big), &f), TR_EINVAL);
}

int main(void)
{
	RUN(test_payload_split);
	RUN(test_payload_refused);
	RUN(test_base64_packets);
	RUN(test_query);
	RUN(test_ids);
	RUN(test_ws_frames);
	return HARNESS_DONE();
}
