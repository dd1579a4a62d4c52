/* Unit tests for Engine.IO v4: the codec (polling payloads with 0x1E
 * separators, packet types, base64 "b" packets, the query string,
 * WebSocket frames) and the session layer against fake connections
 * (polling, upgrade, heartbeat, metrics, the session limits per source). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "eio/eio_internal.h"
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
	CHECK_EQ_INT(count_packets("42[\"leave\",{\"roomId\":\"r\"}]\x1e"
				   "42[\"join\"]\x1e"
				   "3",
				   p, 4),
		     3);
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

	CHECK_EQ_INT(count_packets("4a\x1e", p, 4), TR_EINVAL); /* trailing separator */
	CHECK_EQ_INT(count_packets("\x1e"
				   "4a",
				   p, 4),
		     TR_EINVAL);                            /* empty packet */
	CHECK_EQ_INT(count_packets("7x", p, 4), TR_EINVAL); /* unknown type */
	CHECK_EQ_INT(count_packets("40\x1e"
				   "x",
				   p, 4),
		     TR_EINVAL);
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
	CHECK_EQ_INT(
		strspn(a,
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		20);
}

static void test_ws_frames(void)
{
	/* RFC 6455 5.7: a masked "Hello" from a client. */
	uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
			    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
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
	{
		/* Long runs and an odd offset unmask as byte by byte would. */
		uint8_t buf[37], ref[37], m[4] = { 1, 2, 3, 4 };

		for (int i = 0; i < 37; i++)
			buf[i] = ref[i] = (uint8_t)(i * 7);
		eio_ws_unmask(buf, 37, m, 3);
		for (int i = 0; i < 37; i++)
			CHECK(buf[i] == (uint8_t)(ref[i] ^ m[(3 + i) & 3]));
	}
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

/* ---- the session layer against fake connections and a fake app ---- */

struct fake_conn {
	int status; /* last reply, 0 none */
	char body[512];
	bool ws_closed, detached;
	char ws_out[8][128]; /* WebSocket messages sent */
	int n_ws;
};

static void f_reply(void *conn, int status, const char *type, const char *extra,
		    const void *body, size_t len)
{
	struct fake_conn *c = conn;

	c->status = status;
	snprintf(c->body, sizeof(c->body), "%.*s", (int)len, (const char *)body);
}

static void f_ws_send(void *conn, bool binary, const void *p, size_t len)
{
	struct fake_conn *c = conn;

	if (c->n_ws < 8)
		snprintf(c->ws_out[c->n_ws++], 128, "%s%.*s", binary ? "bin:" : "",
			 (int)len, (const char *)p);
}

static void f_ws_close(void *conn)
{
	((struct fake_conn *)conn)->ws_closed = true;
}

static void f_detach(void *conn)
{
	((struct fake_conn *)conn)->detached = true;
}

static const struct eio_conn_ops fake_ops = { f_reply, f_ws_send, f_ws_close, f_detach };

struct fake_app {
	struct eio_session *s;
	char got[256];
	int opened, closed, pongs;
	char reason[64];
};

static void *a_open(void *app, struct eio_session *s)
{
	struct fake_app *a = app;

	a->s = s;
	a->opened++;
	return a;
}

/* Echoes each message back, as the engine.io test-suite server does. */
static void a_message(void *ctx, bool binary, const uint8_t *p, size_t len)
{
	struct fake_app *a = ctx;

	snprintf(a->got, sizeof(a->got), "%s%.*s", binary ? "bin:" : "", (int)len,
		 (const char *)p);
	eio_session_send(a->s, binary, p, len);
}

static void a_closed(void *ctx, const char *reason)
{
	struct fake_app *a = ctx;

	a->closed++;
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

static void a_pong(void *ctx)
{
	((struct fake_app *)ctx)->pongs++;
}

static const struct eio_app_ops fake_app_ops = { a_open, a_message, a_closed, a_pong };

static struct tr_addr loopback;

static enum eio_verdict req(struct eio_server *e, struct fake_conn *c, enum eio_method m,
			    const char *query, const char *body, bool ws,
			    struct eio_session **held)
{
	struct eio_request r = { .method = m,
				 .query = query,
				 .origin = "",
				 .host = "h",
				 .websocket = ws,
				 .peer = &loopback,
				 .body = (const uint8_t *)body,
				 .body_len = body ? strlen(body) : 0 };
	struct eio_session *h = NULL;

	memset(c, 0, sizeof(*c));
	return eio_handle(e, &r, c, held ? held : &h);
}

static struct eio_server *new_server(struct event_base *base, struct fake_app *app)
{
	struct eio_config cfg = { .ping_interval_ms = 25000,
				  .ping_timeout_ms = 20000,
				  .max_payload = 1000000,
				  .max_queued = 4096,
				  .rate = 1000 };

	addr_parse_ip(&loopback, "127.0.0.1", 1);
	memset(app, 0, sizeof(*app));
	return eio_server_new(base, &cfg, &fake_ops, &fake_app_ops, app);
}

/* The sid of an open packet body. */
static void sid_of(const char *open, char *sid, size_t n)
{
	const char *p = strstr(open, "\"sid\":\"");

	snprintf(sid, n, "%.20s", p ? p + 7 : "");
}

static void test_polling_session(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn get, post, dup;
	struct eio_session *held = NULL;
	char sid[32], q[96];

	CHECK_EQ_INT(req(e, &get, EIO_M_GET, "EIO=4&transport=polling&t=x", NULL, false,
			 NULL),
		     EIO_ANSWERED);
	CHECK_EQ_INT(get.status, 200);
	CHECK(get.body[0] == '0' && strstr(get.body, "\"upgrades\":[\"websocket\"]"));
	CHECK_EQ_INT(app.opened, 1);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	/* A held GET, released by the echo of a POSTed batch, in one body. */
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, &held), EIO_HELD);
	CHECK(held == app.s);
	CHECK_EQ_INT(req(e, &post, EIO_M_POST, q,
			 "4hello\x1e"
			 "bAQID",
			 false, NULL),
		     EIO_ANSWERED);
	CHECK_STR(post.body, "ok");
	CHECK_EQ_INT(get.status, 200);
	CHECK_STR(get.body, "4hello\x1e"
			    "bAQID");
	CHECK(get.detached);
	/* A second GET while one is held closes the session. */
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_HELD);
	CHECK_EQ_INT(req(e, &dup, EIO_M_GET, q, NULL, false, NULL), EIO_ANSWERED);
	CHECK_EQ_INT(dup.status, 400);
	CHECK_STR(get.body, "1");
	CHECK_EQ_INT(app.closed, 1);
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_ANSWERED);
	CHECK_STR(get.body, "{\"code\":1,\"message\":\"Session ID unknown\"}");
	eio_server_free(e);
	event_base_free(base);
}

/* The connection of a pending long poll closes: the client is gone, a
 * "transport error" at once (engine.io: "poll connection closed
 * prematurely"), not a ping timeout later (issue 18). */
static void test_poll_connection_lost(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn get;
	struct eio_session *held = NULL;
	char sid[32], q[96];

	CHECK_EQ_INT(req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false,
			 NULL),
		     EIO_ANSWERED);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, &held), EIO_HELD);
	eio_conn_gone(held, &get, false);
	CHECK_EQ_INT(app.closed, 1);
	CHECK_STR(app.reason, "transport error");
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_ANSWERED);
	CHECK_EQ_INT(get.status, 400);
	eio_server_free(e);
	event_base_free(base);
}

static void test_polling_refusals(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn c, get;
	char sid[32], q[96];

	req(e, &c, EIO_M_GET, "EIO=3&transport=polling", NULL, false, NULL);
	CHECK_STR(c.body, "{\"code\":5,\"message\":\"Unsupported protocol version\"}");
	req(e, &c, EIO_M_POST, "EIO=4&transport=polling", "40", false, NULL);
	CHECK_STR(c.body, "{\"code\":2,\"message\":\"Bad handshake method\"}");
	req(e, &c, EIO_M_GET, "EIO=4&transport=websocket", NULL, false, NULL);
	CHECK_STR(c.body, "{\"code\":3,\"message\":\"Bad request\"}");
	req(e, &c, EIO_M_GET, "EIO=4", NULL, false, NULL);
	CHECK_STR(c.body, "{\"code\":0,\"message\":\"Transport unknown\"}");
	/* A malformed payload: 400, the session is gone. */
	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	req(e, &c, EIO_M_POST, q, "abc", false, NULL);
	CHECK_EQ_INT(c.status, 400);
	CHECK_STR(app.reason, "parse error");
	req(e, &c, EIO_M_GET, q, NULL, false, NULL);
	CHECK_EQ_INT(c.status, 400);
	/* POST "1": the held GET gets the noop. */
	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_HELD);
	req(e, &c, EIO_M_POST, q, "1", false, NULL);
	CHECK_STR(get.body, "6");
	CHECK_STR(app.reason, "client close");
	eio_server_free(e);
	event_base_free(base);
}

/* What the budget hook heard: the running total of every session's bytes. */
static size_t budget_total;

static void budget_hook(void *ctx, size_t added, size_t removed)
{
	CHECK(ctx == &budget_total);
	CHECK(!added || !removed);
	CHECK(removed <= budget_total);
	budget_total += added;
	budget_total -= removed;
}

/* Issue 17: what waits for a poll (and what the application charges) is
 * reported to the global budget as it grows and shrinks; the largest holder
 * is found and ended; everything comes back when it is polled or ends. */
static void test_queue_budget(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn c, get;
	struct eio_session *a, *b;
	char sid[32], q[96];

	budget_total = 0;
	eio_server_set_budget(e, budget_hook, &budget_total);
	req(e, &c, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	a = app.s;
	sid_of(c.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	req(e, &c, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	b = app.s;
	CHECK(eio_server_largest(e) == NULL);
	CHECK(eio_session_send(a, false, "hello!!", 7));     /* "4hello!!" */
	CHECK(eio_session_send(b, true, "\1\2\3\4\5\6", 6)); /* raw bytes */
	CHECK_EQ_INT(eio_server_queued(e), 14);
	CHECK_EQ_INT(budget_total, 14);
	eio_session_charge(b, 100);
	CHECK_EQ_INT(eio_session_queued(b), 106);
	CHECK_EQ_INT(budget_total, 114);
	CHECK(eio_server_largest(e) == b);
	eio_session_uncharge(b, 1000); /* never below what it holds */
	CHECK_EQ_INT(budget_total, 14);
	CHECK(eio_server_largest(e) == a);
	/* Polled: a's bytes go out and leave the budget. */
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_ANSWERED);
	CHECK_STR(get.body, "4hello!!");
	CHECK_EQ_INT(budget_total, 6);
	/* Ended for the budget: b's queue and charge come back at once. */
	eio_session_charge(b, 50);
	eio_session_close(b, EIO_REASON_BUDGET);
	CHECK_EQ_INT(budget_total, 0);
	CHECK_EQ_INT(eio_server_queued(e), 0);
	CHECK_STR(app.reason, EIO_REASON_BUDGET);
	eio_server_free(e);
	event_base_free(base);
}

/* Issue 17, defect 7: a POST is judged from its head, before its body. */
static void test_post_admit(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn c;
	char sid[32], q[96];
	static const struct {
		const char *query;
		const char *origin;
		const char *body;
	} refused[] = {
		{ "EIO=4&transport=polling&sid=nosuchsid", "",
		  "{\"code\":1,\"message\":\"Session ID unknown\"}" },
		{ "EIO=4&transport=abc&sid=x", "",
		  "{\"code\":0,\"message\":\"Transport unknown\"}" },
		{ "EIO=4&transport=polling", "",
		  "{\"code\":2,\"message\":\"Bad handshake method\"}" },
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct eio_request r = { .method = EIO_M_POST,
					 .query = refused[i].query,
					 .origin = refused[i].origin,
					 .host = "h",
					 .peer = &loopback };

		memset(&c, 0, sizeof(c));
		CHECK(!eio_post_admit(e, &r, &c));
		CHECK_EQ_INT(c.status, 400);
		CHECK_STR(c.body, refused[i].body);
	}
	req(e, &c, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(c.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	{
		struct eio_request r = { .method = EIO_M_POST,
					 .query = q,
					 .origin = "",
					 .host = "h",
					 .peer = &loopback };

		memset(&c, 0, sizeof(c));
		CHECK(eio_post_admit(e, &r, &c));
		CHECK_EQ_INT(c.status, 0); /* nothing answered yet */
		snprintf(q, sizeof(q), "EIO=4&transport=websocket&sid=%s", sid);
		CHECK(!eio_post_admit(e, &r, &c));
		CHECK_STR(c.body, "{\"code\":3,\"message\":\"Bad request\"}");
	}
	eio_server_free(e);
	event_base_free(base);
}

static void test_upgrade(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct fake_conn get, ws, c;
	struct eio_session *s;
	struct eio_request r = { .method = EIO_M_GET,
				 .origin = "",
				 .host = "h",
				 .websocket = true,
				 .peer = &loopback };
	char sid[32], q[96], wq[96];

	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	snprintf(wq, sizeof(wq), "EIO=4&transport=websocket&sid=%s", sid);
	CHECK_EQ_INT(req(e, &c, EIO_M_GET, wq, NULL, true, NULL), EIO_ACCEPT_WS);
	memset(&ws, 0, sizeof(ws));
	r.query = wq;
	s = eio_ws_attach(e, &r, &ws);
	CHECK(s == app.s);
	CHECK_EQ_INT(ws.n_ws, 0); /* no open packet on an upgrade */
	/* A second WebSocket while this probe is under way: 101, then closed. */
	CHECK_EQ_INT(req(e, &c, EIO_M_GET, wq, NULL, true, NULL), EIO_ACCEPT_WS);
	CHECK(eio_ws_attach(e, &r, &c) == NULL);
	CHECK_EQ_INT(req(e, &get, EIO_M_GET, q, NULL, false, NULL), EIO_HELD);
	eio_ws_message(s, &ws, false, (const uint8_t *)"2probe", 6);
	CHECK_STR(ws.ws_out[0], "3probe");
	CHECK_STR(get.body, "6");                  /* the pending poll released */
	eio_session_send(s, false, "2[\"x\"]", 6); /* queued during the upgrade */
	eio_ws_message(s, &ws, false, (const uint8_t *)"5", 1);
	CHECK(eio_session_websocket(s));
	CHECK_STR(ws.ws_out[1], "42[\"x\"]");
	eio_ws_message(s, &ws, true, (const uint8_t *)"\x01\x02", 2);
	CHECK_STR(app.got, "bin:\x01\x02");
	CHECK_STR(ws.ws_out[2], "bin:\x01\x02");
	/* Polling is over for this session. */
	req(e, &c, EIO_M_GET, q, NULL, false, NULL);
	CHECK_STR(c.body, "{\"code\":3,\"message\":\"Bad request\"}");
	/* Another WebSocket naming the upgraded session: the handshake
	 * completes (101), then it is closed; the session keeps its own
	 * (engine.io, "ignores WebSocket connection with same sid after
	 * upgrade"). */
	CHECK_EQ_INT(req(e, &c, EIO_M_GET, wq, NULL, true, NULL), EIO_ACCEPT_WS);
	memset(&c, 0, sizeof(c));
	CHECK(eio_ws_attach(e, &r, &c) == NULL);
	eio_ws_message(s, &ws, false, (const uint8_t *)"4after", 6);
	CHECK_STR(app.got, "after");
	CHECK_EQ_INT(app.closed, 0);
	/* A lost WebSocket (no close frame) ends the session. */
	eio_conn_gone(s, &ws, false);
	CHECK_STR(app.reason, "transport error");
	CHECK_EQ_INT(eio_server_session_count(e), 0);
	eio_server_free(e);
	event_base_free(base);
}

static void test_heartbeat(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_config cfg = { .ping_interval_ms = 20,
				  .ping_timeout_ms = 20,
				  .max_payload = 1000,
				  .max_queued = 4096,
				  .rate = 1000 };
	struct eio_server *e;
	struct fake_conn ws;
	struct eio_request r = { .method = EIO_M_GET,
				 .query = "EIO=4&transport=websocket",
				 .origin = "",
				 .host = "h",
				 .websocket = true,
				 .peer = &loopback };
	struct eio_session *s;

	addr_parse_ip(&loopback, "127.0.0.1", 1);
	memset(&app, 0, sizeof(app));
	e = eio_server_new(base, &cfg, &fake_ops, &fake_app_ops, &app);
	memset(&ws, 0, sizeof(ws));
	s = eio_ws_attach(e, &r, &ws);
	CHECK(s != NULL);
	CHECK(!strncmp(ws.ws_out[0], "0{\"sid\":", 8) &&
	      strstr(ws.ws_out[0], "\"upgrades\":[]"));
	/* A ping after the interval; no pong: closed after the timeout. */
	event_base_loopexit(base, &(struct timeval){ 0, 30000 });
	event_base_dispatch(base);
	CHECK_STR(ws.ws_out[1], "2");
	CHECK_EQ_INT(app.closed, 0);
	/* A pong tells the application (recovery trims its log on it). */
	eio_ws_message(s, &ws, false, (const uint8_t *)"3", 1);
	CHECK_EQ_INT(app.pongs, 1);
	event_base_loopexit(base, &(struct timeval){ 0, 30000 });
	event_base_dispatch(base);
	CHECK_EQ_INT(app.closed, 0);
	event_base_loopexit(base, &(struct timeval){ 0, 40000 });
	event_base_dispatch(base);
	CHECK_EQ_INT(app.closed, 1);
	CHECK_STR(app.reason, "ping timeout");
	CHECK(ws.ws_closed && ws.detached);
	eio_server_free(e);
	event_base_free(base);
}

/* The sample line `line` (name, labels, value) is in the exposition. */
static bool has_line(struct evbuffer *out, const char *line)
{
	size_t n = evbuffer_get_length(out);
	char *text = malloc(n + 2);
	char want[160];
	bool found;

	if (!text)
		return false;
	text[0] = '\n';
	evbuffer_copyout(out, text + 1, n);
	text[n + 1] = '\0';
	snprintf(want, sizeof(want), "\n%s\n", line);
	found = strstr(text, want) != NULL;
	free(text);
	return found;
}

/* The counters move where the decision is made: error answers by code,
 * a rate-limit close, a too-large POST, a client close. */
static void test_metrics(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct evbuffer *out = evbuffer_new();
	struct eio_config cfg = { .ping_interval_ms = 25000,
				  .ping_timeout_ms = 20000,
				  .max_payload = 1000,
				  .max_queued = 4096,
				  .rate = 1 };
	struct fake_conn c, get;
	char sid[32], q[96];

	REQUIRE(out != NULL);
	eio_server_set_config(e, &cfg);
	req(e, &c, EIO_M_GET, "EIO=3&transport=polling", NULL, false, NULL);
	req(e, &c, EIO_M_GET, "EIO=4", NULL, false, NULL);
	req(e, &c, EIO_M_GET, "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", NULL,
	    false, NULL);
	/* rate=1: a burst of 2 s, so the third packet of a POST closes. */
	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	req(e, &c, EIO_M_POST, q,
	    "6\x1e"
	    "6\x1e"
	    "6",
	    false, NULL);
	CHECK_STR(app.reason, "rate limit");
	/* Over max_payload: 413, closed. */
	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	{
		struct eio_request r = { .method = EIO_M_POST,
					 .query = q,
					 .origin = "",
					 .host = "h",
					 .peer = &loopback,
					 .body_too_large = true };
		struct eio_session *h = NULL;

		memset(&c, 0, sizeof(c));
		eio_handle(e, &r, &c, &h);
		CHECK_EQ_INT(c.status, 413);
	}
	/* A client close packet: engine.io's "transport close". */
	req(e, &get, EIO_M_GET, "EIO=4&transport=polling", NULL, false, NULL);
	sid_of(get.body, sid, sizeof(sid));
	snprintf(q, sizeof(q), "EIO=4&transport=polling&sid=%s", sid);
	req(e, &c, EIO_M_POST, q, "1", false, NULL);
	eio_server_write_metrics(e, out);
	CHECK(has_line(out, "turnroom_engineio_errors_total{code=\"0\"} 1"));
	CHECK(has_line(out, "turnroom_engineio_errors_total{code=\"1\"} 1"));
	CHECK(has_line(out, "turnroom_engineio_errors_total{code=\"5\"} 1"));
	CHECK(has_line(out, "turnroom_engineio_errors_total{code=\"3\"} 0"));
	CHECK(has_line(out, "turnroom_engineio_sessions_opened_total 3"));
	CHECK(has_line(out, "turnroom_engineio_rate_limited_total 1"));
	CHECK(has_line(out, "turnroom_engineio_payload_too_large_total 1"));
	CHECK(has_line(
		out, "turnroom_engineio_sessions_closed_total{reason=\"rate limit\"} 1"));
	CHECK(has_line(
		out,
		"turnroom_engineio_sessions_closed_total{reason=\"payload too large\"} 1"));
	CHECK(has_line(
		out,
		"turnroom_engineio_sessions_closed_total{reason=\"transport close\"} 1"));
	CHECK(has_line(out, "turnroom_engineio_sessions{transport=\"polling\"} 0"));
	/* In: the three noops (the third refused) and the close. */
	CHECK(has_line(out, "turnroom_engineio_packets_total{direction=\"in\"} 4"));
	CHECK(has_line(out,
		       "turnroom_engineio_polling_requests_total{method=\"POST\"} 3"));
	evbuffer_free(out);
	eio_server_free(e);
	event_base_free(base);
}

/* The connections of handshake_from: a WebSocket session keeps its own
 * until the server is freed. */
static struct fake_conn hs_conns[32];
static size_t n_hs_conns;

/* A handshake from peer (polling, or a WebSocket upgrade request): the
 * status eio answers, 101 for a WebSocket it accepts. */
static int handshake_from(struct eio_server *e, const char *peer, bool ws)
{
	struct tr_addr a;
	struct fake_conn *c = &hs_conns[n_hs_conns++ % 32];
	struct eio_request r = { .method = EIO_M_GET,
				 .query = ws ? "EIO=4&transport=websocket"
					     : "EIO=4&transport=polling",
				 .origin = "",
				 .host = "h",
				 .websocket = ws,
				 .peer = &a };
	struct eio_session *held = NULL;

	addr_parse_ip(&a, peer, 40000);
	memset(c, 0, sizeof(*c));
	if (eio_handle(e, &r, c, &held) != EIO_ACCEPT_WS)
		return c->status;
	return eio_ws_attach(e, &r, c) ? 101 : 500;
}

/* socketio-max-sessions-per-ip counts an IPv6 /64 as one source (one
 * host holds a whole /64), an IPv4 address as one, v4-mapped as IPv4. */
static void test_limit_per_source(void)
{
	struct event_base *base = event_base_new();
	struct fake_app app;
	struct eio_server *e = new_server(base, &app);
	struct eio_config cfg = { .ping_interval_ms = 25000,
				  .ping_timeout_ms = 20000,
				  .max_payload = 1000,
				  .max_queued = 4096,
				  .max_sessions = 100,
				  .max_per_ip = 3,
				  .rate = 1000 };

	eio_server_set_config(e, &cfg);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1::1", false), 200);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1::2", true), 101);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1:0:ffff:ffff:ffff:ffff", false), 200);
	/* The /64 is full, by either transport; other sources are not. */
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1::4", false), 403);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1:0:1234::5", true), 403);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:1:1::1", false), 200);
	CHECK_EQ_INT(handshake_from(e, "192.0.2.1", false), 200);
	CHECK_EQ_INT(handshake_from(e, "192.0.2.1", false), 200);
	CHECK_EQ_INT(handshake_from(e, "::ffff:192.0.2.1", true), 101);
	CHECK_EQ_INT(handshake_from(e, "192.0.2.1", false), 403);
	CHECK_EQ_INT(handshake_from(e, "192.0.2.2", false), 200);
	/* A session closed gives its source a place back. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(handshake_from(e, "2001:db8:5::1", false), 200);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:5::2", false), 403);
	eio_session_close(app.s, "test");
	CHECK_EQ_INT(handshake_from(e, "2001:db8:5::2", false), 200);
	CHECK_EQ_INT(handshake_from(e, "2001:db8:5::3", false), 403);
	eio_server_free(e);
	event_base_free(base);
}

/* The count per source is kept as sessions open and close, never found by
 * walking the sessions: after many opens and closes across sources each
 * count is exact and a source with none is forgotten. */
static void test_source_counts(void)
{
	struct eio_sources *t = eio_sources_new();
	enum { N_SRC = 300, PER = 5 };
	struct tr_addr a[N_SRC];
	char text[64];
	bool ok = true;

	REQUIRE(t != NULL);
	for (int i = 0; i < N_SRC; i++) {
		/* Three in four IPv6 (one /64 each), one in four IPv4. */
		if (i % 4)
			snprintf(text, sizeof(text), "2001:db8:%x:%x::%x", i, i % 7,
				 i + 1);
		else
			snprintf(text, sizeof(text), "198.51.%d.%d", i / 256, i % 256);
		addr_parse_ip(&a[i], text, 1);
	}
	for (int k = 0; k < PER; k++)
		for (int i = 0; i < N_SRC; i++) {
			struct tr_addr other = a[i];

			/* Another host of the same /64, another port. */
			if (i % 4)
				other.u.v6.sin6_addr.s6_addr[15] ^= (uint8_t)(k + 1);
			addr_set_port(&other, (uint16_t)(1000 + k));
			ok &= eio_sources_add(t, k % 2 ? &other : &a[i]);
		}
	CHECK(ok);
	CHECK_EQ_INT((int)eio_sources_size(t), N_SRC);
	/* Source i loses i % (PER + 1) sessions. */
	for (int i = 0; i < N_SRC; i++)
		for (int k = 0; k < i % (PER + 1) && k < PER; k++)
			eio_sources_remove(t, &a[i]);
	for (int i = 0; i < N_SRC; i++) {
		int want = PER - (i % (PER + 1) < PER ? i % (PER + 1) : PER);

		if ((int)eio_sources_count(t, &a[i]) != want) {
			FAIL("wrong count for a source");
			break;
		}
	}
	CHECK_EQ_INT((int)eio_sources_size(t), N_SRC - N_SRC / (PER + 1));
	for (int i = 0; i < N_SRC; i++)
		while (eio_sources_count(t, &a[i]))
			eio_sources_remove(t, &a[i]);
	CHECK_EQ_INT((int)eio_sources_size(t), 0);
	eio_sources_free(t);
}

int main(void)
{
	RUN(test_payload_split);
	RUN(test_payload_refused);
	RUN(test_base64_packets);
	RUN(test_query);
	RUN(test_ids);
	RUN(test_ws_frames);
	RUN(test_polling_session);
	RUN(test_poll_connection_lost);
	RUN(test_polling_refusals);
	RUN(test_queue_budget);
	RUN(test_post_admit);
	RUN(test_upgrade);
	RUN(test_heartbeat);
	RUN(test_metrics);
	RUN(test_limit_per_source);
	RUN(test_source_counts);
	return HARNESS_DONE();
}
