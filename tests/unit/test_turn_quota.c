/* Whom the allocation quotas count and their limits (turn_quota.c):
 * member-quota only for room-minted credentials, and a long-term user
 * never shares a count with the REST ID of the same name (issue 17). */
#include <stdlib.h>

#include "conf/conf.h"
#include "harness.h"
#include "turn/turn_internal.h"

static void test_key_by_kind(void)
{
	char lt[TURN_QUOTA_KEY_MAX], rest[TURN_QUOTA_KEY_MAX], k[TURN_QUOTA_KEY_MAX];

	turn_quota_key(AUTH_KIND_USER, "alice", ':', lt);
	turn_quota_key(AUTH_KIND_REST, "1700000000:alice", ':', rest);
	CHECK(strcmp(lt, rest) != 0);
	/* every credential of one REST ID shares one key, both forms */
	turn_quota_key(AUTH_KIND_REST, "1800000000:alice", ':', k);
	CHECK_STR(k, rest);
	turn_quota_key(AUTH_KIND_REST, "alice:1800000000", ':', k);
	CHECK_STR(k, rest);
	turn_quota_key(AUTH_KIND_REST, "1800000000#alice", '#', k);
	CHECK_STR(k, rest);
	/* a long-term name is taken whole, separator or not */
	turn_quota_key(AUTH_KIND_USER, "1700000000:alice", ':', k);
	CHECK(strcmp(k, rest) != 0);
	CHECK(strcmp(k, lt) != 0);
	/* a room member is a REST ID of its own ("room~" is reserved) */
	turn_quota_key(AUTH_KIND_REST, "1700000000:room~alice", ':', k);
	CHECK(strcmp(k, rest) != 0);
	CHECK(strcmp(k, lt) != 0);
}

static void test_key_longest_name(void)
{
	char name[AUTH_NAME_MAX], a[TURN_QUOTA_KEY_MAX], b[TURN_QUOTA_KEY_MAX];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	turn_quota_key(AUTH_KIND_USER, name, ':', a);
	name[sizeof(name) - 2] = 'y'; /* differs in the last byte only */
	turn_quota_key(AUTH_KIND_USER, name, ':', b);
	CHECK_EQ_INT(strlen(a), AUTH_NAME_MAX);
	CHECK(strcmp(a, b) != 0);
}

static void test_limits(void)
{
	struct conf *c = conf_new();
	const char *opt = NULL;

	REQUIRE(c);
	/* defaults: user-quota 0, member-quota 10 */
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_USER, "alice", &opt), 0);
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:alice", &opt),
		     0);
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "alice:1700000000", &opt),
		     0);
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:room~u1", &opt),
		     10);
	CHECK_STR(opt, "member-quota");
	/* a long-term user with a room-minted-looking name is no member */
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_USER, "1700000000:room~u1", &opt),
		     0);
	/* user-quota applies to every kind; the lower one wins for members */
	c->user_quota = 3;
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_USER, "alice", &opt), 3);
	CHECK_STR(opt, "user-quota");
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:alice", &opt),
		     3);
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:room~u1", &opt),
		     3);
	CHECK_STR(opt, "user-quota");
	c->user_quota = 20;
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:room~u1", &opt),
		     10);
	c->member_quota = 0;
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:room~u1", &opt),
		     20);
	c->user_quota = 0;
	CHECK_EQ_INT(turn_quota_user_limit(c, AUTH_KIND_REST, "1700000000:room~u1", &opt),
		     0);
	conf_free(c);
}

static void test_total_limit(void)
{
	struct conf *c = conf_new();

	REQUIRE(c);
	CHECK_EQ_INT(turn_quota_total_limit(c), 14746); /* 49152-65535 less a tenth */
	c->min_port = 50000;
	c->max_port = 50000;
	CHECK_EQ_INT(turn_quota_total_limit(c), 1);
	c->total_quota = 5;
	CHECK_EQ_INT(turn_quota_total_limit(c), 5);
	conf_free(c);
}

/* The table counts each key apart: 3 allocations of long-term alice, 2 of
 * the REST ID alice (two credentials), 1 of the room member alice. */
static void test_table_counts_kinds_apart(void)
{
	static const struct {
		enum auth_kind kind;
		const char *name;
	} held[] = {
		{ AUTH_KIND_USER, "alice" },
		{ AUTH_KIND_USER, "alice" },
		{ AUTH_KIND_USER, "alice" },
		{ AUTH_KIND_REST, "1700000000:alice" },
		{ AUTH_KIND_REST, "1800000000:alice" },
		{ AUTH_KIND_REST, "1700000000:room~alice" },
	};
	struct alloc_table *t = alloc_table_new();
	char key[TURN_QUOTA_KEY_MAX];

	REQUIRE(t);
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++) {
		struct five_tuple ft;
		struct allocation *a;

		memset(&ft, 0, sizeof(ft));
		ft.transport = TURN_UDP;
		addr_parse_ip(&ft.client, "192.0.2.1", (uint16_t)(1000 + i));
		a = alloc_table_insert(t, &ft);
		REQUIRE_OR_GOTO(a, out);
		turn_quota_key(held[i].kind, held[i].name, ':', a->quota_user);
	}
	turn_quota_key(AUTH_KIND_USER, "alice", ':', key);
	CHECK_EQ_INT(alloc_table_count_user(t, key), 3);
	turn_quota_key(AUTH_KIND_REST, "1900000000:alice", ':', key);
	CHECK_EQ_INT(alloc_table_count_user(t, key), 2);
	turn_quota_key(AUTH_KIND_REST, "1900000000:room~alice", ':', key);
	CHECK_EQ_INT(alloc_table_count_user(t, key), 1);
out:
	alloc_table_free(t, NULL);
}

int main(void)
{
	RUN(test_key_by_kind);
	RUN(test_key_longest_name);
	RUN(test_limits);
	RUN(test_total_limit);
	RUN(test_table_counts_kinds_apart);
	return HARNESS_DONE();
}
