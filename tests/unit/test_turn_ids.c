/* Transaction ids of the indications the server sends (Data indications,
 * RFC 8656 11.6) must be unique but carry no key material: before, their
 * first 4 bytes were the first 4 bytes of the nonce HMAC key. Real servers
 * are built (no listening sockets) and their ids compared to their keys. */
#include <event2/event.h>

#include "conf/conf.h"
#include "harness.h"
#include "turn/turn_internal.h"

struct built {
	struct event_base *base;
	struct conf *conf;
	struct auth *auth;
	struct turn_server *s;
};

static int build(struct built *b)
{
	char *argv[] = { "turnroom",
			 "--no-udp",
			 "--no-dtls",
			 "--no-tls",
			 "--listening-ip=127.0.0.1",
			 "--relay-ip=127.0.0.1",
			 "--realm=test",
			 "--static-auth-secret=shared" };
	char err[CONF_ERR_MAX];
	bool help = false, version = false;

	b->base = event_base_new();
	b->conf = conf_new();
	if (!b->base || !b->conf ||
	    conf_load(b->conf, (int)(sizeof(argv) / sizeof(argv[0])), argv, &help,
		      &version, err, sizeof(err))) {
		fprintf(stderr, "  conf: %s\n", err);
		return -1;
	}
	b->auth = auth_new(b->conf, NULL, err, sizeof(err));
	b->s = b->auth ? turn_server_new(b->base, b->conf, b->auth) : NULL;
	return b->s ? 0 : -1;
}

static void unbuild(struct built *b)
{
	turn_server_free(b->s);
	auth_free(b->auth);
	conf_free(b->conf);
	event_base_free(b->base);
}

/* No 4-byte window of the key shows up anywhere in the id. */
static bool shares_key_bytes(const uint8_t tid[STUN_TID_LEN], const uint8_t *key,
			     size_t keylen)
{
	for (size_t k = 0; k + 4 <= keylen; k++)
		for (size_t t = 0; t + 4 <= STUN_TID_LEN; t++)
			if (!memcmp(key + k, tid + t, 4))
				return true;
	return false;
}

static void test_no_key_bytes_in_indication_ids(void)
{
	struct built b = { 0 };
	uint8_t first[STUN_TID_LEN], tid[STUN_TID_LEN];

	REQUIRE_OR_GOTO(build(&b) == 0 && b.s, out);
	turn_indication_tid(b.s, first);
	CHECK(!shares_key_bytes(first, b.s->nonce_key, sizeof(b.s->nonce_key)));
	for (int i = 0; i < 1000; i++) {
		turn_indication_tid(b.s, tid);
		CHECK(memcmp(tid, first, STUN_TID_LEN) != 0);
		/* One prefix per server, a counter after it. */
		CHECK(!memcmp(tid, first, 4));
	}
out:
	unbuild(&b);
}

/* Two servers with the same configuration and secret: different prefixes
 * (equal with probability 2^-32). */
static void test_prefix_per_server(void)
{
	struct built a = { 0 }, b = { 0 };
	uint8_t ta[STUN_TID_LEN], tb[STUN_TID_LEN];

	CHECK(build(&a) == 0);
	CHECK(build(&b) == 0);
	if (a.s && b.s) {
		turn_indication_tid(a.s, ta);
		turn_indication_tid(b.s, tb);
		CHECK(memcmp(ta, tb, 4) != 0);
	}
	unbuild(&a);
	unbuild(&b);
}

int main(void)
{
	RUN(test_no_key_bytes_in_indication_ids);
	RUN(test_prefix_per_server);
	return HARNESS_DONE();
}
