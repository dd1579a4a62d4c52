/* util/htable: the keyed hash against reference values, lookups and
 * removals across stepwise growth, the iterator, and the key per table. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "util/htable.h"

struct item {
	uint32_t key;
	unsigned seen;
	struct htable_node node;
};

static uint64_t item_hash(const struct htable *t, uint32_t key)
{
	return htable_hash(t, &key, sizeof(key));
}

static struct item *item_find(const struct htable *t, uint32_t key)
{
	uint64_t h = item_hash(t, key);

	for (struct htable_node *n = htable_first(t, h); n; n = htable_next(n, h)) {
		struct item *it = HTABLE_ENTRY(n, struct item, node);

		if (it->key == key)
			return it;
	}
	return NULL;
}

/* SipHash-1-3 with key 00 01 .. 0f over the bytes 00 01 .. (len - 1): the
 * values CPython 3.11's siphash13 (an independent implementation) gives
 * for the same key and input. */
static void test_siphash13_vectors(void)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 1, 0xc9f49bf37d57ca93ULL },  { 2, 0x82cb9b024dc7d44dULL },
		{ 3, 0x8bf80ab8e7ddf7fbULL },  { 4, 0xcf75576088d38328ULL },
		{ 5, 0xdef9d52f49533b67ULL },  { 6, 0xc50d2b50c59f22a7ULL },
		{ 7, 0xd3927d989bb11140ULL },  { 12, 0x78a384b157b4d9a2ULL },
		{ 19, 0xf21f9de58d297d1cULL }, { 8, 0x369095118d299a8eULL },
		{ 15, 0xd320d86d2a519956ULL }, { 16, 0xcc4fdd1a7d908b66ULL },
		{ 39, 0x626b57547b108392ULL }, { 64, 0xf17997ec4b4a6065ULL },
	};
	struct htable t;
	uint8_t msg[64];

	REQUIRE(htable_init(&t, 1) == 0);
	t.k0 = 0x0706050403020100ULL;
	t.k1 = 0x0f0e0d0c0b0a0908ULL;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(htable_hash(&t, msg, v[i].len) == v[i].want);
	htable_fini(&t);
}

/* Each table draws its own key: the same bytes hash apart in two tables
 * (a fixed or guessable key would let a client aim its room ids, sids or
 * ports at one chain of every server). */
static void test_key_per_table(void)
{
	struct htable a, b;
	unsigned same = 0;

	REQUIRE(htable_init(&a, 8) == 0);
	REQUIRE_OR_GOTO(htable_init(&b, 8) == 0, out);
	CHECK(a.k0 != b.k0 || a.k1 != b.k1);
	for (uint32_t k = 0; k < 64; k++) {
		CHECK(item_hash(&a, k) == item_hash(&a, k));
		same += item_hash(&a, k) == item_hash(&b, k);
	}
	CHECK_EQ_INT(same, 0);
	htable_fini(&b);
out:
	htable_fini(&a);
}

/* 20,000 entries from 4 buckets: every one found at every step of the
 * doublings (some of them caught half moved), absent keys not found,
 * then removed in another order with the rest still found. */
static void test_insert_find_remove(void)
{
	enum { N = 20000 };
	struct item *items = calloc(N, sizeof(*items));
	struct htable t;
	bool caught_moving = false;

	REQUIRE(items);
	REQUIRE_OR_GOTO(htable_init(&t, 3) == 0, out);
	CHECK_EQ_INT(t.n_b, 4);
	for (uint32_t i = 0; i < N; i++) {
		items[i].key = i * 2654435761u;
		htable_insert(&t, &items[i].node, item_hash(&t, items[i].key));
		caught_moving |= t.old != NULL;
		if (i % 97 == 0 || t.old)
			for (uint32_t j = 0; j <= i; j += 1 + i / 64)
				CHECK(item_find(&t, items[j].key) == &items[j]);
	}
	CHECK(caught_moving);
	CHECK_EQ_INT(htable_count(&t), N);
	for (uint32_t i = 0; i < N; i++)
		CHECK(item_find(&t, items[i].key) == &items[i]);
	CHECK(item_find(&t, 1) == NULL);
	for (uint32_t i = 0; i < N; i += 2)
		htable_remove(&t, &items[i].node);
	CHECK_EQ_INT(htable_count(&t), N / 2);
	for (uint32_t i = 0; i < N; i++)
		CHECK(item_find(&t, items[i].key) == (i % 2 ? &items[i] : NULL));
	/* Load factor at most 1 once growth is done: the chains stay short. */
	CHECK(t.n_b >= N);
	htable_fini(&t);
out:
	free(items);
}

/* The iterator sees each entry exactly once, also while a doubling is
 * half done, and the entry it returned may be removed on the spot. */
static void test_iterate(void)
{
	enum { N = 1000 };
	struct item items[N];
	struct htable t;
	struct htable_iter it = { 0 };
	struct htable_node *n;
	size_t total = 0;

	REQUIRE(htable_init(&t, 1) == 0);
	for (uint32_t i = 0; i < N; i++) {
		items[i] = (struct item){ .key = i };
		htable_insert(&t, &items[i].node, item_hash(&t, i));
		if (i > 600 && t.old)
			break;
	}
	CHECK(t.old != NULL); /* a doubling is under way */
	total = htable_count(&t);
	while ((n = htable_iter_next(&t, &it)))
		HTABLE_ENTRY(n, struct item, node)->seen++;
	for (size_t i = 0; i < total; i++)
		CHECK_EQ_INT(items[i].seen, 1);
	memset(&it, 0, sizeof(it));
	while ((n = htable_iter_next(&t, &it))) {
		struct item *x = HTABLE_ENTRY(n, struct item, node);

		if (x->key % 3)
			htable_remove(&t, n);
		x->seen++;
	}
	for (size_t i = 0; i < total; i++) {
		CHECK_EQ_INT(items[i].seen, 2);
		CHECK((item_find(&t, (uint32_t)i) != NULL) == (i % 3 == 0));
	}
	htable_fini(&t);
	htable_fini(&t); /* twice is harmless */
}

/* Draining while a doubling is half done, each step also taking out
 * another entry (as a session's teardown may end another session): every
 * entry comes out once, the table ends empty. */
static void test_drain(void)
{
	enum { N = 700 };
	struct item items[N];
	struct htable t;
	struct htable_node *n;
	size_t cursor = 0, drained = 0, total;

	REQUIRE(htable_init(&t, 1) == 0);
	for (uint32_t i = 0; i < N; i++) {
		items[i] = (struct item){ .key = i };
		htable_insert(&t, &items[i].node, item_hash(&t, i));
		if (i > 300 && t.old)
			break;
	}
	CHECK(t.old != NULL);
	total = htable_count(&t);
	while ((n = htable_drain_next(&t, &cursor))) {
		struct item *x = HTABLE_ENTRY(n, struct item, node), *other;

		htable_remove(&t, n);
		x->seen++;
		drained++;
		other = item_find(&t, (uint32_t)(total - 1 - x->key));
		if (other) {
			htable_remove(&t, &other->node);
			other->seen++;
			drained++;
		}
	}
	CHECK_EQ_INT(drained, total);
	CHECK_EQ_INT(htable_count(&t), 0);
	for (size_t i = 0; i < total; i++)
		CHECK_EQ_INT(items[i].seen, 1);
	htable_fini(&t);
}

/* Same hash, different keys: the chain walk goes on to the next match. */
static void test_equal_hashes(void)
{
	struct item a = { .key = 1 }, b = { .key = 2 }, c = { .key = 3 };
	struct htable t;
	struct htable_node *n;
	unsigned seen = 0;

	REQUIRE(htable_init(&t, 2) == 0);
	htable_insert(&t, &a.node, 42);
	htable_insert(&t, &b.node, 42);
	htable_insert(&t, &c.node, 43);
	for (n = htable_first(&t, 42); n; n = htable_next(n, 42))
		seen |= 1u << HTABLE_ENTRY(n, struct item, node)->key;
	CHECK_EQ_INT(seen, 6);
	htable_remove(&t, &b.node);
	n = htable_first(&t, 42);
	CHECK(n == &a.node && !htable_next(n, 42));
	CHECK(htable_first(&t, 44) == NULL);
	htable_fini(&t);
}

int main(void)
{
	RUN(test_siphash13_vectors);
	RUN(test_key_per_table);
	RUN(test_insert_find_remove);
	RUN(test_iterate);
	RUN(test_drain);
	RUN(test_equal_hashes);
	return HARNESS_DONE();
}
