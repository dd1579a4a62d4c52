/* The room server's codecs: the HTTP request head (scripted byte feeds),
 * the WebSocket accept key (RFC 6455 1.3 example) and the UTF-8 check of
 * text frames. */
#include "harness.h"

#include "http/http.h"
#include "signaling/signaling_internal.h"
#include "util/errors.h"

static int parse(const char *head, struct http_request *req)
{
	size_t n = http_head_length((const uint8_t *)head, strlen(head));

	if (n != strlen(head))
		return -100; /* the head did not end where the text does */
	return http_parse_head((const uint8_t *)head, n, req);
}

static void test_head_length(void)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";

	CHECK_EQ_INT(http_head_length((const uint8_t *)h, strlen(h)), strlen(h) - 4);
	/* every prefix short of the blank line: not complete yet */
	for (size_t n = 0; n < strlen(h) - 4; n++)
		CHECK_EQ_INT(http_head_length((const uint8_t *)h, n), 0);
	CHECK_EQ_INT(http_head_length((const uint8_t *)"\n\n\n\n", 4), 0);
}

static void test_upgrade_request(void)
{
	struct http_request r;

	CHECK_EQ_INT(parse("GET /ws?x=1 HTTP/1.1\r\n"
			   "Host: example.org:8080\r\n"
			   "upgrade: WebSocket\r\n"
			   "Connection: keep-alive, Upgrade\r\n"
			   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			   "Sec-WebSocket-Version: 13\r\n"
			   "Origin: https://app.example\r\n\r\n",
			   &r),
		     0);
	CHECK(http_method_is_get(r.method));
	CHECK_STR(r.path, "/ws");
	CHECK_STR(r.host, "example.org:8080");
	CHECK_STR(r.origin, "https://app.example");
	CHECK_STR(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
	CHECK_EQ_INT(r.ws_version, 13);
	CHECK(r.upgrade_websocket);
}

static void test_not_an_upgrade(void)
{
	struct http_request r;

	CHECK_EQ_INT(parse("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
			   &r),
		     0);
	CHECK(!r.upgrade_websocket); /* no Connection: upgrade */
	CHECK_EQ_INT(parse("GET /ws HTTP/1.1\r\nConnection: upgradeX\r\n"
			   "Upgrade: websocket\r\n\r\n",
			   &r),
		     0);
	CHECK(!r.upgrade_websocket); /* a token, not a prefix */
	CHECK_EQ_INT(parse("HEAD /healthz HTTP/1.0\r\n\r\n", &r), 0);
	CHECK(http_method_is_head(r.method));
	CHECK_EQ_INT(parse("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &r), 0);
	CHECK_STR(http_method_name(r.method), "POST");
	CHECK_EQ_INT(r.content_length, 5);
}

static void test_malformed_heads(void)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/9\r\n\r\n",
		"GET * HTTP/1.1\r\n\r\n",           /* not a path */
		"GET / HTTP/1.1\r\nHost a\r\n\r\n", /* no colon */
		"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
	};
	struct http_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &r) != TR_EINVAL) {
			fprintf(stderr, "  accepted: %s", bad[i]);
			FAIL("malformed head accepted");
		}
}

static void test_field_overflow(void)
{
	char head[2048];
	struct http_request r;

	/* A Host that does not fit its buffer is refused, not truncated. */
	snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: %0300d\r\n\r\n", 7);
	CHECK_EQ_INT(parse(head, &r), TR_EINVAL);
	snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: %0200d\r\n\r\n", 7);
	CHECK_EQ_INT(parse(head, &r), 0);
	CHECK_EQ_INT(strlen(r.host), 200);
}

static void test_accept_key(void)
{
	char out[29];

	/* RFC 6455 1.3 */
	signaling_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_utf8(void)
{
	static const struct {
		const char *bytes;
		bool valid;
	} cases[] = {
		{ "plain ascii", true },
		{ "\xc3\xa9t\xc3\xa9", true }, /* été */
		{ "\xe2\x82\xac", true },      /* € */
		{ "\xf0\x9f\x98\x80", true },  /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", true },  /* U+10FFFF */
		{ "\xc0\xaf", false },         /* overlong / */
		{ "\xe0\x80\xaf", false },     /* overlong */
		{ "\xed\xa0\x80", false },     /* surrogate */
		{ "\xf4\x90\x80\x80", false }, /* > U+10FFFF */
		{ "\xc3", false },             /* truncated */
		{ "\xe2\x82", false },
		{ "\x80", false }, /* lone continuation */
		{ "\xff", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (signaling_utf8_valid((const uint8_t *)cases[i].bytes,
					 strlen(cases[i].bytes)) != cases[i].valid) {
			fprintf(stderr, "  case %zu judged wrongly\n", i);
			FAIL("utf8");
		}
	CHECK(signaling_utf8_valid((const uint8_t *)"a\0b", 3)); /* NUL is valid UTF-8 */
}

/* The Socket.IO endpoint's fields: query string, POST body framing. */
static void test_query_and_chunked_head(void)
{
	struct http_request req;

	CHECK_EQ_INT(parse("POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\n"
			   "Host: x\r\nTransfer-Encoding: chunked\r\n"
			   "Content-Type: text/plain;charset=UTF-8\r\n\r\n",
			   &req),
		     0);
	CHECK_STR(req.path, "/socket.io/");
	CHECK_STR(req.query, "EIO=4&transport=polling&sid=abc");
	CHECK_STR(req.content_type, "text/plain;charset=UTF-8");
	CHECK(req.chunked);
	CHECK_EQ_INT(parse("GET /x HTTP/1.1\r\nHost: y\r\n\r\n", &req), 0);
	CHECK_STR(req.query, "");
	CHECK(!req.chunked);
}

static int chunked(const char *body, char *out, size_t cap, size_t *out_len, size_t *used)
{
	return http_chunked_decode((const uint8_t *)body, strlen(body), (uint8_t *)out,
				   cap, out_len, used);
}

static void test_chunked_body(void)
{
	char out[64];
	size_t n = 0, used = 0;
	const char *whole = "2\r\n40\r\na;ext=1\r\n\x1e"
			    "42[\"x\",1]\r\n0\r\n\r\nGET";

	CHECK_EQ_INT(chunked(whole, out, sizeof(out), &n, &used), 1);
	CHECK_EQ_INT(n, 12);
	CHECK(!memcmp(out,
		      "40\x1e"
		      "42[\"x\",1]",
		      12));
	CHECK_EQ_INT(used, strlen(whole) - 3); /* the next request stays */
	CHECK_EQ_INT(chunked("2\r\n40\r\n0\r\nTrailer: t\r\n\r\n", out, 64, &n, &used),
		     1);
	CHECK_EQ_INT(n, 2);
	/* Not all there yet. */
	CHECK_EQ_INT(chunked("2\r\n4", out, sizeof(out), &n, &used), 0);
	CHECK_EQ_INT(chunked("2\r\n40\r\n0\r\n", out, sizeof(out), &n, &used), 0);
	CHECK_EQ_INT(chunked("", out, sizeof(out), &n, &used), 0);
	/* Malformed, or over the bound. */
	CHECK_EQ_INT(chunked("zz\r\n", out, sizeof(out), &n, &used), TR_EINVAL);
	CHECK_EQ_INT(chunked("\r\n", out, sizeof(out), &n, &used), TR_EINVAL);
	CHECK_EQ_INT(chunked("2\r\n40xx0\r\n\r\n", out, sizeof(out), &n, &used),
		     TR_EINVAL);
	CHECK_EQ_INT(chunked("123456789\r\n", out, sizeof(out), &n, &used), TR_EINVAL);
	CHECK_EQ_INT(chunked("41\r\n", out, sizeof(out), &n, &used), TR_ETRUNC);
}

/* Feeds body in pieces of `step` bytes (0: split once at `split`) through
 * the streaming decoder; the result as http_chunked_decode gives it. */
static int stream(const char *body, size_t split, size_t step, uint64_t max, char *out,
		  size_t *out_len, size_t *used)
{
	struct http_chunked d;
	size_t len = strlen(body), off = 0, o = 0;

	http_chunked_init(&d);
	while (off < len && !d.done) {
		size_t n = step ? step : (off < split ? split - off : len - off), w;
		ssize_t k;

		if (n > len - off)
			n = len - off;
		k = http_chunked_feed(&d, (const uint8_t *)body + off, n,
				      (uint8_t *)out + o, &w, max);
		if (k < 0)
			return (int)k;
		if ((size_t)k < n && !d.done)
			return -1; /* took less without being done: a bug */
		off += (size_t)k;
		o += w;
	}
	*out_len = o;
	*used = off;
	return d.done ? 1 : 0;
}

/* A chunk spanning reads (issue 17, defect 8): each split point and byte
 * by byte give what one call gives, and only the decoded size counts
 * against the cap. */
static void test_chunked_stream(void)
{
	static const char *const bodies[] = {
		("2\r\n40\r\na;ext=1\r\n\x1e"
		 "42[\"x\",1]\r\n0\r\n\r\nGET"),
		"2\r\n40\r\n0\r\nTrailer: t\r\n\r\n",
		"1E \t;a=b\r\n012345678901234567890123456789\r\n0;z\r\n\r\n",
		"2\r\n4",
		"2\r\n40xx0\r\n\r\n",
		"zz\r\n",
		"41\r\n",
		"3\r\nabc\n0\r\n\r\n",
	};
	char one[128], two[128];

	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		size_t n1 = 0, u1 = 0, len = strlen(bodies[b]);
		int want = chunked(bodies[b], one, 64, &n1, &u1);

		for (size_t split = 0; split <= len; split++) {
			size_t n2 = 0, u2 = 0;
			int got = stream(bodies[b], split, split ? 0 : 1, 64, two, &n2,
					 &u2);

			CHECK_EQ_INT(got, want);
			if (want == 1 && got == 1) {
				CHECK_EQ_INT(n2, n1);
				CHECK_EQ_INT(u2, u1);
				CHECK(!memcmp(one, two, n1));
			}
		}
	}
}

static void test_chunked_limits(void)
{
	static char big[4096];
	char out[2048];
	size_t n = 0, used = 0;
	struct http_chunked d;
	size_t w;

	/* 300 bytes announced, arriving in three reads: fine under 1000. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "12C\r\n", 5);
	memcpy(big + 5 + 300, "\r\n0\r\n\r\n", 8);
	CHECK_EQ_INT(stream(big, 60, 0, 1000, out, &n, &used), 1);
	CHECK_EQ_INT(n, 300);
	CHECK_EQ_INT(stream(big, 0, 7, 1000, out, &n, &used), 1);
	CHECK_EQ_INT(n, 300);
	/* ... and over 299 as soon as the size is read. */
	http_chunked_init(&d);
	CHECK_EQ_INT(http_chunked_feed(&d, (const uint8_t *)big, 5, (uint8_t *)out, &w,
				       299),
		     TR_ETRUNC);
	/* Bare LFs, overlong lines, endless framing. */
	CHECK_EQ_INT(chunked("2;x\n40\r\n0\r\n\r\n", out, 64, &n, &used), TR_EINVAL);
	CHECK_EQ_INT(chunked("0\r\nA: b\n\r\n\r\n", out, 64, &n, &used), TR_EINVAL);
	memset(big, ' ', sizeof(big));
	big[0] = '1';
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ_INT(chunked(big, out, 64, &n, &used), TR_EINVAL);
	/* One data byte per 5 of framing: refused after 64 KiB of framing. */
	http_chunked_init(&d);
	{
		ssize_t rc = 0;
		int i;

		for (i = 0; i < 30000 && rc >= 0; i++)
			rc = http_chunked_feed(&d, (const uint8_t *)"1\r\na\r\n", 6,
					       (uint8_t *)out, &w, 1u << 20);
		CHECK_EQ_INT(rc, TR_ETRUNC);
		CHECK_EQ_INT(i, HTTP_CHUNKED_OVERHEAD_MAX / 5 + 1);
	}
}

int main(void)
{
	RUN(test_head_length);
	RUN(test_upgrade_request);
	RUN(test_not_an_upgrade);
	RUN(test_malformed_heads);
	RUN(test_field_overflow);
	RUN(test_accept_key);
	RUN(test_utf8);
	RUN(test_query_and_chunked_head);
	RUN(test_chunked_body);
	RUN(test_chunked_stream);
	RUN(test_chunked_limits);
	return HARNESS_DONE();
}
