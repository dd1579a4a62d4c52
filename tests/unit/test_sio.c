/* Unit tests for the Socket.IO v5 packet codec: heads (type, attachments,
 * namespace, ack id), payload shapes and binary placeholders. */
#include <jansson.h>
#include <string.h>

#include "harness.h"
#include "sio/sio.h"
#include "util/errors.h"

static int parse(const char *s, struct sio_packet *p)
{
	return sio_packet_parse((const uint8_t *)s, strlen(s), p);
}

static void test_heads(void)
{
	struct sio_packet p;

	CHECK_EQ_INT(parse("0", &p), 0);
	CHECK_EQ_INT(p.type, SIO_CONNECT);
	CHECK_EQ_INT(p.nsp_len, 1);
	CHECK_EQ_INT(p.data_len, 0);
	CHECK_EQ_INT(parse("2[\"join\",{\"roomId\":\"r\"}]", &p), 0);
	CHECK_EQ_INT(p.type, SIO_EVENT);
	CHECK(!p.has_ack);
	CHECK_EQ_INT(p.data_len, strlen("[\"join\",{\"roomId\":\"r\"}]"));
	CHECK_EQ_INT(parse("2/admin,12[\"x\"]", &p), 0);
	CHECK_EQ_INT(p.nsp_len, 6);
	CHECK(!strncmp(p.nsp, "/admin", 6));
	CHECK(p.has_ack);
	CHECK_EQ_INT(p.ack_id, 12);
	CHECK(p.data[0] == '[');
	CHECK_EQ_INT(parse("51-[\"x\",{\"_placeholder\":true,\"num\":0}]", &p), 0);
	CHECK_EQ_INT(p.type, SIO_BINARY_EVENT);
	CHECK_EQ_INT(p.attachments, 1);
	CHECK_EQ_INT(parse("62-/nsp,7[]", &p), 0);
	CHECK_EQ_INT(p.attachments, 2);
	CHECK_EQ_INT(p.ack_id, 7);
	CHECK_EQ_INT(parse("0/nope", &p), 0); /* namespace to the end */
	CHECK_EQ_INT(p.nsp_len, 5);
}

static void test_bad_heads(void)
{
	struct sio_packet p;

	CHECK_EQ_INT(parse("", &p), TR_EINVAL);
	CHECK_EQ_INT(parse("7", &p), TR_EINVAL);
	CHECK_EQ_INT(parse("x", &p), TR_EINVAL);
	CHECK_EQ_INT(parse("5[\"x\"]", &p), TR_EINVAL);       /* no attachment count */
	CHECK_EQ_INT(parse("51[\"x\"]", &p), TR_EINVAL);      /* no '-' */
	CHECK_EQ_INT(parse("565-[]", &p), TR_EINVAL);         /* over the bound */
	CHECK_EQ_INT(parse("212345678901[]", &p), TR_EINVAL); /* 11-digit ack id */
}

static bool valid(const char *packet)
{
	struct sio_packet p;
	json_t *v = NULL;
	bool ok;

	if (parse(packet, &p))
		return false;
	if (p.data_len && !(v = json_loadb(p.data, p.data_len, JSON_DECODE_ANY, NULL)))
		return false;
	ok = sio_payload_valid(&p, v) &&
	     (p.type != SIO_BINARY_EVENT || sio_placeholders_valid(v, p.attachments));
	json_decref(v);
	return ok;
}

static void test_payloads(void)
{
	CHECK(valid("0"));
	CHECK(valid("0{\"token\":\"x\"}"));
	CHECK(!valid("0[1]"));
	CHECK(valid("1"));
	CHECK(!valid("1{}"));
	CHECK(valid("2[\"message\",{\"roomId\":\"r\",\"data\":1}]"));
	CHECK(!valid("2[]"));
	CHECK(!valid("2{\"a\":1}"));
	CHECK(!valid("2[\"connect\"]")); /* reserved event name */
	CHECK(!valid("2[\"disconnect\",1]"));
	CHECK(valid("3[]"));
	CHECK(!valid("3{}"));
	CHECK(valid("51-[\"x\",{\"_placeholder\":true,\"num\":0}]"));
	CHECK(!valid(
		"51-[\"x\",{\"_placeholder\":true,\"num\":1}]")); /* num out of range */
	CHECK(!valid("52-[\"x\",{\"_placeholder\":true,\"num\":0}]")); /* one missing */
	CHECK(valid("52-[\"x\",{\"a\":[{\"_placeholder\":true,\"num\":1}]},"
		    "{\"_placeholder\":true,\"num\":0}]"));
}

static void test_head_write(void)
{
	char buf[32];

	CHECK_EQ_INT(sio_head_write(buf, sizeof(buf), SIO_EVENT, 0, NULL, false, 0), 1);
	CHECK_STR(buf, "2");
	CHECK_EQ_INT(sio_head_write(buf, sizeof(buf), SIO_ACK, 0, "/", true, 42), 3);
	CHECK_STR(buf, "342");
	CHECK(sio_head_write(buf, sizeof(buf), SIO_BINARY_EVENT, 2, "/x", true, 1) > 0);
	CHECK_STR(buf, "52-/x,1");
	CHECK_EQ_INT(sio_head_write(buf, 3, SIO_ACK, 0, NULL, true, 12345), TR_ETRUNC);
}

static bool jv(const char *s)
{
	return sio_json_valid(s, strlen(s));
}

static void test_json_scanner(void)
{
	const char *ev =
		" [\"message\" , {\"roomId\":\"r\",\"data\":{\"sdp\":\"v=0\\r\\n\"}}]";
	struct sio_span it[2], v;
	size_t n;

	CHECK(jv("{}") && jv("[]") && jv("0") && jv("-1.5e+3") && jv("\"\\u00e9\"") &&
	      jv(" [1, true, false, null, \"x\", {\"a\": [ ]}] "));
	CHECK(!jv("") && !jv("[1,]") && !jv("{\"a\"}") && !jv("01") && !jv("1.") &&
	      !jv("\"\\x\"") && !jv("\"a\nb\"") && !jv("[1] 2") && !jv("tru") &&
	      !jv("{\"a\":1,}") && !jv("\"\\u12\""));
	{
		char deep[200];

		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		CHECK(!sio_json_valid(deep, 200)); /* deeper than 64 */
		CHECK(sio_json_valid(deep + 40, 120));
	}
	CHECK(sio_json_array_items(ev, strlen(ev), it, 2, &n));
	CHECK_EQ_INT(n, 2);
	CHECK(!strncmp(ev + it[0].off, "\"message\"", it[0].len));
	CHECK(sio_json_object_get(ev + it[1].off, it[1].len, "data", &v));
	CHECK(!strncmp(ev + it[1].off + v.off, "{\"sdp\":\"v=0\\r\\n\"}", v.len));
	CHECK(!sio_json_object_get(ev + it[1].off, it[1].len, "to", &v));
	CHECK(!sio_json_array_items("[1,2", 4, it, 2, &n));
	CHECK(!sio_json_array_items("{}", 2, it, 2, &n));
	CHECK(sio_json_array_items("[1,2,3]", 7, it, 2, &n));
	CHECK_EQ_INT(n, 3);
}

int main(void)
{
	RUN(test_heads);
	RUN(test_bad_heads);
	RUN(test_payloads);
	RUN(test_head_write);
	RUN(test_json_scanner);
	return HARNESS_DONE();
}
