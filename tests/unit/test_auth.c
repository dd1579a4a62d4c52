/* Unit tests for src/auth: keys, REST credentials, nonces, the sqlite
 * store (including a database written by coturn's turnadmin) and the
 * end-to-end check of signed Allocate requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "harness.h"
#include "stun/stun.h"
#include "util/errors.h"

#define NOW 1700000000LL

static const uint8_t server_key[AUTH_SERVER_KEY_LEN] = {
	1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

/* ---- keys ---- */

static void test_lt_key(void)
{
	uint8_t key[AUTH_KEY_LEN];
	char hex[2 * AUTH_KEY_LEN + 1];

	/* The value coturn's turnadmin -k prints for these. */
	auth_lt_key("alice", "example.org", "secret", key);
	auth_key_hex(key, hex);
	CHECK_STR(hex, "543e1aec5d3614f03141652d6ada51b2");
}

/* coturn's admin_user.password: a row coturn 4.6 turnadmin -A -u boss
 * -p pw1 wrote, then one of ours round-trips. */
static void test_admin_hash(void)
{
	static const char coturn_row[] =
		"$5$66f7015ff0eeddea$"
		"e917c925e8e590e4c0ecf4709693649a445c8e7f14b296594e856507934bcb6b";
	char mine[AUTH_ADMIN_HASH_LEN], other[AUTH_ADMIN_HASH_LEN];

	CHECK(auth_admin_verify("pw1", coturn_row));
	CHECK(!auth_admin_verify("pw2", coturn_row));
	CHECK(!auth_admin_verify("pw1", "$5$66f7015ff0eeddea$e917"));
	CHECK(!auth_admin_verify("pw1", "pw1"));
	CHECK_EQ_INT(auth_admin_hash("s3cret", mine), 0);
	CHECK_EQ_INT(auth_admin_hash("s3cret", other), 0);
	CHECK_EQ_INT((int)strlen(mine), AUTH_ADMIN_HASH_LEN - 1);
	CHECK(!strncmp(mine, "$5$", 3) && mine[19] == '$');
	CHECK(strcmp(mine, other) != 0); /* a fresh salt each time */
	CHECK(auth_admin_verify("s3cret", mine));
	CHECK(!auth_admin_verify("s3cres", mine));
}

static void test_key_hex(void)
{
	uint8_t key[AUTH_KEY_LEN], back[AUTH_KEY_LEN];
	char hex[2 * AUTH_KEY_LEN + 1];
	size_t i;

	for (i = 0; i < AUTH_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 17 + 3);
	auth_key_hex(key, hex);
	CHECK_EQ_INT(auth_key_from_hex(hex, back), 0);
	CHECK(!memcmp(key, back, AUTH_KEY_LEN));
	CHECK_EQ_INT(auth_key_from_hex("0x543E1AEC5D3614F03141652D6ADA51B2", back), 0);
	auth_key_hex(back, hex);
	CHECK_STR(hex, "543e1aec5d3614f03141652d6ada51b2");

	memset(back, 0xAA, sizeof(back));
	CHECK_EQ_INT(auth_key_from_hex("", key), TR_EINVAL);
	CHECK_EQ_INT(auth_key_from_hex("0x", key), TR_EINVAL);
	CHECK_EQ_INT(auth_key_from_hex("543e1aec5d3614f03141652d6ada51b", back),
		     TR_EINVAL);
	CHECK_EQ_INT(auth_key_from_hex("543e1aec5d3614f03141652d6ada51b2a", back),
		     TR_EINVAL);
	CHECK_EQ_INT(auth_key_from_hex("543e1aec5d3614f03141652d6ada51bg", back),
		     TR_EINVAL);
	CHECK_EQ_INT(auth_key_from_hex(" 543e1aec5d3614f03141652d6ada51b", back),
		     TR_EINVAL);
	/* A failed parse leaves the output alone. */
	CHECK_EQ_INT(back[0], 0xAA);
}

static void test_rest_password(void)
{
	char pass[64], small[28];

	/* Computed independently with:
	 * python3 -c 'import hmac,hashlib,base64;
	 *   print(base64.b64encode(hmac.new(b"mysecret", b"1700000000:alice",
	 *   hashlib.sha1).digest()).decode())' */
	CHECK_EQ_INT(auth_rest_password("mysecret", "1700000000:alice", pass,
					sizeof(pass)),
		     0);
	CHECK_STR(pass, "PSwWMIID0EkUrZ8pwY2wbdTQnTc=");
	CHECK_EQ_INT(strlen(pass), 28);
	/* 28 characters need 29 bytes with the NUL. */
	CHECK_EQ_INT(auth_rest_password("mysecret", "1700000000:alice", small,
					sizeof(small)),
		     TR_ETRUNC);
}

static void test_rest_expiry(void)
{
	int64_t e;

	e = -1;
	CHECK_EQ_INT(auth_rest_expiry("1700000000:alice", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	e = -1;
	CHECK_EQ_INT(auth_rest_expiry("alice:1700000000", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	e = -1;
	CHECK_EQ_INT(auth_rest_expiry("1700000000", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	/* Digits before the separator win: a numeric ID is read as EXPIRY. */
	CHECK_EQ_INT(auth_rest_expiry("42:1700000000", ':', &e), 0);
	CHECK_EQ_INT(e, 42);
	/* Only the first separator counts; ID may contain more of them. */
	CHECK_EQ_INT(auth_rest_expiry("1700000000:a:b", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	CHECK_EQ_INT(auth_rest_expiry("a1:1700000000:x", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	/* A leading separator: the number after it (coturn). */
	CHECK_EQ_INT(auth_rest_expiry(":1700000000", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	/* atol-like: digits up to the first other character. */
	CHECK_EQ_INT(auth_rest_expiry("alice:1700000000x", ':', &e), 0);
	CHECK_EQ_INT(e, 1700000000);
	/* Another separator. */
	CHECK_EQ_INT(auth_rest_expiry("alice-1700000001", '-', &e), 0);
	CHECK_EQ_INT(e, 1700000001);
	/* No number where one must be: EINVAL (coturn: 0, i.e. expired). */
	CHECK_EQ_INT(auth_rest_expiry("alice:bob", ':', &e), TR_EINVAL);
	CHECK_EQ_INT(auth_rest_expiry("alice", ':', &e), TR_EINVAL);
	CHECK_EQ_INT(auth_rest_expiry("", ':', &e), TR_EINVAL);
	CHECK_EQ_INT(auth_rest_expiry("alice:", ':', &e), TR_EINVAL);
}

/* The one split every site uses: the expiry, the quota user, the room
 * member all come from it. */
static void test_rest_split(void)
{
	struct auth_rest_name n;
	size_t len;
	const char *id;

	auth_rest_split("1700000000:alice", ':', &n);
	CHECK(n.expiry_first);
	CHECK_EQ_INT(n.id_len, 5);
	CHECK_STR(n.id, "alice");
	CHECK(!strncmp(n.expiry, "1700000000", 10));
	auth_rest_split("alice:1700000000", ':', &n);
	CHECK(!n.expiry_first);
	CHECK_EQ_INT(n.id_len, 5);
	CHECK(!strncmp(n.id, "alice", 5));
	CHECK_STR(n.expiry, "1700000000");
	auth_rest_split("1700000000", ':', &n);
	CHECK(!n.expiry_first);
	CHECK_STR(n.id, "1700000000");
	CHECK_STR(n.expiry, "1700000000");
	auth_rest_split(":1700000000", ':', &n);
	CHECK(!n.expiry_first);
	CHECK_EQ_INT(n.id_len, 0);
	CHECK_STR(n.expiry, "1700000000");
	auth_rest_split("1700000000:a:b", ':', &n);
	CHECK_STR(n.id, "a:b");

	/* REST: the ID part in both orders (an operator's disconnect of
	 * "alice" once matched "alice:EXPIRY" on its EXPIRY). */
	id = auth_cred_user(AUTH_KIND_REST, "alice:1700000000", ':', &len);
	CHECK(len == 5 && !strncmp(id, "alice", len));
	id = auth_cred_user(AUTH_KIND_REST, "1700000000:alice", ':', &len);
	CHECK(len == 5 && !strncmp(id, "alice", len));
	id = auth_cred_user(AUTH_KIND_REST, "1700000000", ':', &len);
	CHECK(len == 10 && !strncmp(id, "1700000000", len));
	/* A long-term user is its whole name, separators and all. */
	id = auth_cred_user(AUTH_KIND_USER, "1700000000:alice", ':', &len);
	CHECK(len == 16 && !strncmp(id, "1700000000:alice", len));
}

/* ---- nonces ---- */

static void test_nonce(void)
{
	struct tr_addr c1, c1_other_port, c2, c6;
	char n[AUTH_NONCE_MAX], bad[AUTH_NONCE_MAX];
	size_t len;

	CHECK_EQ_INT(addr_parse_ip(&c1, "192.0.2.7", 5000), 0);
	CHECK_EQ_INT(addr_parse_ip(&c1_other_port, "192.0.2.7", 6000), 0);
	CHECK_EQ_INT(addr_parse_ip(&c2, "192.0.2.8", 5000), 0);
	CHECK_EQ_INT(addr_parse_ip(&c6, "2001:db8::7", 5000), 0);

	auth_nonce_make(server_key, &c1, NOW, n);
	len = strlen(n);
	CHECK(len < AUTH_NONCE_MAX);
	CHECK_EQ_INT(len, 48);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, len, NOW, 600), 0);
	/* The port is not bound: a rebinding NAT keeps the nonce valid. */
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1_other_port, n, len, NOW + 1, 600),
		     0);
	/* Valid while age <= lifetime; stale one second later. */
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, len, NOW + 600, 600), 0);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, len, NOW + 601, 600),
		     TR_ESTALE);
	/* Another client, another family, another server key. */
	CHECK_EQ_INT(auth_nonce_check(server_key, &c2, n, len, NOW, 600), TR_EINVAL);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c6, n, len, NOW, 600), TR_EINVAL);
	{
		uint8_t other[AUTH_SERVER_KEY_LEN];

		memcpy(other, server_key, sizeof(other));
		other[0] ^= 1;
		CHECK_EQ_INT(auth_nonce_check(other, &c1, n, len, NOW, 600), TR_EINVAL);
	}
	/* Every character is covered: timestamp, MAC, and letter case. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, n, sizeof(bad));
		bad[i] = bad[i] == '0' ? '1' : '0';
		CHECK_EQ_INT(auth_nonce_check(server_key, &c1, bad, len, NOW, 600),
			     TR_EINVAL);
	}
	memcpy(bad, n, sizeof(bad));
	for (size_t i = 0; i < len; i++)
		if (bad[i] >= 'a' && bad[i] <= 'f') {
			bad[i] = (char)(bad[i] - 'a' + 'A');
			break;
		}
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, bad, len, NOW, 600), TR_EINVAL);
	/* Truncated and extended. */
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, len - 1, NOW, 600), TR_EINVAL);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, 0, NOW, 600), TR_EINVAL);
	memcpy(bad, n, sizeof(bad));
	bad[len] = '0';
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, bad, len + 1, NOW, 600),
		     TR_EINVAL);
	/* From the future: a few seconds of slack, then refused. */
	auth_nonce_make(server_key, &c1, NOW + 3, n);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, strlen(n), NOW, 600), 0);
	auth_nonce_make(server_key, &c1, NOW + 60, n);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c1, n, strlen(n), NOW, 600),
		     TR_EINVAL);
	/* IPv6 clients work too. */
	auth_nonce_make(server_key, &c6, NOW, n);
	CHECK_EQ_INT(auth_nonce_check(server_key, &c6, n, strlen(n), NOW, 600), 0);
}

/* ---- store ---- */

/* The store fixture: a temp dir with a database path in it, and what a
 * test opens there. Store tests run through RUN_STORE (the store is open)
 * or RUN_DIR (the file does not exist yet); teardown frees whatever the
 * test left in the fixture and removes the files, so a test may end at
 * any REQUIRE. */
struct store_fx {
	char dir[64];
	char db[128];
	struct auth_store *s; /* owned: teardown frees it */
	struct auth *a;       /* owned, borrows s: teardown frees it first */
};

static bool fx_dir(struct store_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_auth.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		fx->dir[0] = '\0';
		FAIL("mkdtemp");
		return false;
	}
	snprintf(fx->db, sizeof(fx->db), "%s/turndb", fx->dir);
	return true;
}

static bool fx_store(struct store_fx *fx)
{
	if (!fx_dir(fx))
		return false;
	fx->s = auth_store_open(fx->db);
	if (!fx->s) {
		FAIL("auth_store_open on a fresh temp file");
		return false;
	}
	return true;
}

static void fx_teardown(struct store_fx *fx)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[160];

	auth_free(fx->a);
	auth_store_free(fx->s);
	if (!fx->dir[0])
		return;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", fx->db, suffix[i]);
		unlink(path);
	}
	rmdir(fx->dir);
}

#define RUN_STORE(fn) RUN_WITH(fn, &fx, fx_store, fx_teardown)
#define RUN_DIR(fn) RUN_WITH(fn, &fx, fx_dir, fx_teardown)

static bool collect_secret(const char *secret, void *arg)
{
	char *acc = arg;

	strcat(acc, secret);
	strcat(acc, ";");
	return false;
}

static bool stop_at_first(const char *secret, void *arg)
{
	(*(int *)arg)++;
	return true;
}

static int count_tables(const char *path)
{
	static const char *const names[] = {
		"turnusers_lt",   "turn_secret",          "allowed_peer_ip",
		"denied_peer_ip", "turn_origin_to_realm", "turn_realm_option",
		"oauth_key",      "admin_user",
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM sqlite_master WHERE "
			       "type='table' AND name=?",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1)
			found++;
		sqlite3_reset(st);
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

/* Writes a raw hmackey, as another tool might. */
static bool raw_user(const char *path, const char *realm, const char *name,
		     const char *hmackey)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO turnusers_lt "
			       "(realm,name,hmackey) VALUES (?,?,?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, realm, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hmackey, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static void test_store(struct store_fx *fx)
{
	struct auth_store *s = fx->s;
	uint8_t key[AUTH_KEY_LEN], got[AUTH_KEY_LEN];
	char acc[256];
	int n = 0;

	auth_store_free(NULL);
	CHECK(auth_store_open("/nonexistent-dir/x/turndb") == NULL);
	CHECK_EQ_INT(count_tables(fx->db), 8);

	auth_lt_key("alice", "example.org", "secret", key);
	CHECK_EQ_INT(auth_store_set_user(s, "example.org", "alice", key), 0);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "alice", got), 0);
	CHECK(!memcmp(key, got, AUTH_KEY_LEN));
	/* Keyed by (realm, name). */
	CHECK_EQ_INT(auth_store_user_key(s, "other.org", "alice", got), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "bob", got), TR_ENOTFOUND);
	/* insert or replace: a second set overwrites. */
	auth_lt_key("alice", "example.org", "newpass", key);
	CHECK_EQ_INT(auth_store_set_user(s, "example.org", "alice", key), 0);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "alice", got), 0);
	CHECK(!memcmp(key, got, AUTH_KEY_LEN));

	/* Short or non-hex hmackey: not found. A longer one: first 32. */
	CHECK(raw_user(fx->db, "example.org", "short",
		       "543e1aec5d3614f03141652d6ada51b"));
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "short", got), TR_ENOTFOUND);
	CHECK(raw_user(fx->db, "example.org", "nothex",
		       "zz3e1aec5d3614f03141652d6ada51b2"));
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "nothex", got), TR_ENOTFOUND);
	CHECK(raw_user(
		fx->db, "example.org", "long",
		"543e1aec5d3614f03141652d6ada51b2ffffffffffffffffffffffffffffffff"));
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "long", got), 0);
	auth_lt_key("alice", "example.org", "secret", key);
	CHECK(!memcmp(key, got, AUTH_KEY_LEN));

	/* Secrets per realm. */
	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "s1"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "s2"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "s2"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "other.org", "o1"), 0);
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret(s, "example.org", collect_secret, acc), 0);
	CHECK(strstr(acc, "s1;") && strstr(acc, "s2;") && !strstr(acc, "o1"));
	CHECK_EQ_INT(strlen(acc), 6);
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret(s, "nowhere", collect_secret, acc), 0);
	CHECK_STR(acc, "");
	CHECK_EQ_INT(auth_store_each_secret(s, "example.org", stop_at_first, &n), 0);
	CHECK_EQ_INT(n, 1);
	auth_store_free(s);

	/* Reopen: the data stayed. */
	s = fx->s = auth_store_open(fx->db);
	REQUIRE(s != NULL);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "alice", got), 0);
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret(s, "other.org", collect_secret, acc), 0);
	CHECK_STR(acc, "o1;");
}

static bool have_turnadmin(void)
{
	return system("command -v turnadmin >/dev/null 2>&1") == 0;
}

static int turnadmin(const char *args, const char *db)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "turnadmin %s -b '%s' >/dev/null 2>&1", args, db);
	return system(cmd);
}

static bool collect_row(const char *a, const char *b, void *arg)
{
	char *acc = arg;

	snprintf(acc + strlen(acc), 256 - strlen(acc), "%s[%s];", a, b);
	return false;
}

/* The admin command's store operations: list, delete, transactions. */
static void test_store_admin_ops(struct store_fx *fx)
{
	struct auth_store *s = fx->s;
	uint8_t key[AUTH_KEY_LEN], got[AUTH_KEY_LEN];
	char acc[256] = "";

	auth_lt_key("bob", "b.org", "pw", key);
	CHECK_EQ_INT(auth_store_set_user(s, "b.org", "bob", key), 0);
	CHECK_EQ_INT(auth_store_set_user(s, "a.org", "zed", key), 0);
	CHECK_EQ_INT(auth_store_set_user(s, "a.org", "amy", key), 0);
	/* ordered by realm, then name; a realm narrows */
	CHECK_EQ_INT(auth_store_each_user(s, NULL, collect_row, acc), 0);
	CHECK_STR(acc, "amy[a.org];zed[a.org];bob[b.org];");
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_user(s, "b.org", collect_row, acc), 0);
	CHECK_STR(acc, "bob[b.org];");
	CHECK_EQ_INT(auth_store_delete_user(s, "a.org", "zed"), 0);
	CHECK_EQ_INT(auth_store_delete_user(s, "a.org", "zed"), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_user_key(s, "a.org", "zed", got), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_user_key(s, "a.org", "amy", got), 0);
	/* secrets */
	CHECK_EQ_INT(auth_store_add_secret(s, "a.org", "s1"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "a.org", "s2"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "b.org", "s3"), 0);
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret_all(s, NULL, collect_row, acc), 0);
	CHECK_STR(acc, "s1[a.org];s2[a.org];s3[b.org];");
	CHECK_EQ_INT(auth_store_delete_secret(s, "a.org", "s1"), 0);
	CHECK_EQ_INT(auth_store_delete_secret(s, "a.org", "s1"), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_delete_all_secrets(s, "a.org"), 0);
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret_all(s, NULL, collect_row, acc), 0);
	CHECK_STR(acc, "s3[b.org];");
	/* a rolled-back transaction leaves nothing behind */
	CHECK_EQ_INT(auth_store_begin(s), 0);
	CHECK_EQ_INT(auth_store_set_user(s, "a.org", "ghost", key), 0);
	auth_store_rollback(s);
	CHECK_EQ_INT(auth_store_user_key(s, "a.org", "ghost", got), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_begin(s), 0);
	CHECK_EQ_INT(auth_store_set_user(s, "a.org", "kept", key), 0);
	CHECK_EQ_INT(auth_store_commit(s), 0);
	CHECK_EQ_INT(auth_store_user_key(s, "a.org", "kept", got), 0);
}

/* turnroom's own values (the cluster node-id): the first kept wins, also
 * for a second handle on the same file and after a reopen. */
static void test_store_keep_value(struct store_fx *fx)
{
	struct auth_store *other;
	char v[17], small[4];

	strcpy(v, "aaaaaaaaaaaaaaaa");
	CHECK_EQ_INT(auth_store_keep_value(fx->s, "node-id", v, sizeof(v)), 0);
	CHECK_STR(v, "aaaaaaaaaaaaaaaa");
	other = auth_store_open(fx->db);
	REQUIRE(other != NULL);
	strcpy(v, "bbbbbbbbbbbbbbbb");
	CHECK_EQ_INT(auth_store_keep_value(other, "node-id", v, sizeof(v)), 0);
	CHECK_STR(v, "aaaaaaaaaaaaaaaa");
	auth_store_free(other);
	auth_store_free(fx->s);
	fx->s = auth_store_open(fx->db);
	REQUIRE(fx->s != NULL);
	strcpy(v, "cccccccccccccccc");
	CHECK_EQ_INT(auth_store_keep_value(fx->s, "node-id", v, sizeof(v)), 0);
	CHECK_STR(v, "aaaaaaaaaaaaaaaa");
	/* Another key is kept apart. */
	strcpy(v, "dddd");
	CHECK_EQ_INT(auth_store_keep_value(fx->s, "other", v, sizeof(v)), 0);
	CHECK_STR(v, "dddd");
	/* A kept value longer than the buffer: an error, never truncated. */
	strcpy(small, "eee");
	CHECK_EQ_INT(auth_store_keep_value(fx->s, "node-id", small, sizeof(small)),
		     TR_EDB);
	/* ... and the failed call left no transaction open. */
	CHECK_EQ_INT(auth_store_begin(fx->s), 0);
	CHECK_EQ_INT(auth_store_commit(fx->s), 0);
}

/* Runs in an empty fixture dir: turnadmin makes the database. */
static void test_store_turnadmin(struct store_fx *fx)
{
	struct auth_store *s;
	uint8_t key[AUTH_KEY_LEN], got[AUTH_KEY_LEN];
	char acc[256];

	/* scripts/install-deps installs coturn: missing is a failure. */
	if (!have_turnadmin()) {
		FAIL("turnadmin not installed (Debian package coturn)");
		return;
	}
	/* A database made by coturn alone... */
	CHECK_EQ_INT(turnadmin("-a -u alice -r example.org -p secret", fx->db), 0);
	CHECK_EQ_INT(turnadmin("-s mysecret -r example.org", fx->db), 0);
	s = fx->s = auth_store_open(fx->db);
	REQUIRE(s != NULL);
	auth_lt_key("alice", "example.org", "secret", key);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "alice", got), 0);
	CHECK(!memcmp(key, got, AUTH_KEY_LEN));
	acc[0] = '\0';
	CHECK_EQ_INT(auth_store_each_secret(s, "example.org", collect_secret, acc), 0);
	CHECK_STR(acc, "mysecret;");
	/* ...and turnadmin writing while we hold it open (WAL mode now). */
	CHECK_EQ_INT(turnadmin("-a -u bob -r example.org -p pw2", fx->db), 0);
	auth_lt_key("bob", "example.org", "pw2", key);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "bob", got), 0);
	CHECK(!memcmp(key, got, AUTH_KEY_LEN));
	/* The other way round: a user we wrote, deleted by turnadmin. */
	CHECK_EQ_INT(auth_store_set_user(s, "example.org", "carol", key), 0);
	CHECK_EQ_INT(turnadmin("-d -u carol -r example.org", fx->db), 0);
	CHECK_EQ_INT(auth_store_user_key(s, "example.org", "carol", got), TR_ENOTFOUND);
}

/* ---- auth_new / auth_check ---- */

struct test_conf {
	struct conf c;
	char *users[4];
	char *secrets[4];
};

static void conf_init(struct test_conf *tc, const char *const *users,
		      const char *const *secrets)
{
	size_t i;

	memset(tc, 0, sizeof(*tc));
	tc->c.realm = (char *)"example.org";
	tc->c.rest_api_separator = ':';
	tc->c.lt_cred_mech = true;
	for (i = 0; users && users[i] && i < 4; i++)
		tc->users[i] = (char *)users[i];
	tc->c.users.items = tc->users;
	tc->c.users.n = i;
	for (i = 0; secrets && secrets[i] && i < 4; i++)
		tc->secrets[i] = (char *)secrets[i];
	tc->c.static_auth_secrets.items = tc->secrets;
	tc->c.static_auth_secrets.n = i;
	tc->c.use_auth_secret = tc->c.static_auth_secrets.n > 0;
}

/* A client's signed Allocate: USERNAME, REALM, NONCE, MESSAGE-INTEGRITY
 * with key MD5(user:realm:password), as RFC 8656 7.1 has it. */
static bool signed_allocate(uint8_t *buf, size_t cap, struct stun_msg *msg,
			    const char *user, const char *realm, const char *pass)
{
	static const uint8_t tid[STUN_TID_LEN] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
	};
	struct stun_builder b;
	struct tr_addr client;
	char nonce[AUTH_NONCE_MAX];
	uint8_t key[AUTH_KEY_LEN];
	ssize_t n;

	addr_parse_ip(&client, "192.0.2.7", 5000);
	auth_nonce_make(server_key, &client, NOW, nonce);
	auth_lt_key(user, realm, pass, key);
	stun_build_start(&b, buf, cap, STUN_ALLOCATE, STUN_CLASS_REQUEST, tid);
	stun_add_u32(&b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);
	stun_add_string(&b, STUN_ATTR_USERNAME, user);
	stun_add_string(&b, STUN_ATTR_REALM, realm);
	stun_add_string(&b, STUN_ATTR_NONCE, nonce);
	stun_add_integrity(&b, key, sizeof(key));
	n = stun_build_finish(&b);
	return n > 0 && stun_parse(msg, buf, (size_t)n) == n;
}

/* Signs with the REST password the secret gives the username. */
static bool rest_allocate(uint8_t *buf, size_t cap, struct stun_msg *msg,
			  const char *user, const char *secret)
{
	char pass[32];

	return auth_rest_password(secret, user, pass, sizeof(pass)) == 0 &&
	       signed_allocate(buf, cap, msg, user, "example.org", pass);
}

static void test_auth_new_errors(void)
{
	static const struct {
		const char *entry;
		const char *err_prefix;
	} bad[] = {
		{ "alice", "user=" },
		{ ":pw", "user=" },
		{ "bob:", "user=bob:" },
		{ "carol:0x123", "user=carol:" },
		{ "dave:0x543e1aec5d3614f03141652d6ada51bz", "user=dave:" },
	};
	struct test_conf tc;
	char err[256];
	struct auth *a;

	auth_free(NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *users[] = { "ok:fine", bad[i].entry, NULL };

		conf_init(&tc, users, NULL);
		err[0] = '\0';
		a = auth_new(&tc.c, NULL, err, sizeof(err));
		CHECK(a == NULL);
		auth_free(a);
		CHECK(!strncmp(err, bad[i].err_prefix, strlen(bad[i].err_prefix)));
		/* The password or key never appears in the message. */
		{
			const char *col = strchr(bad[i].entry, ':');

			CHECK(!col || !col[1] || !strstr(err, col + 1));
		}
	}
	{
		const char *users[] = { "erin:correct horse", NULL };

		conf_init(&tc, users, NULL);
		a = auth_new(&tc.c, NULL, err, sizeof(err));
		CHECK(a != NULL);
		auth_free(a);
	}
}

static void test_check_config_user(void)
{
	const char *users[] = { "alice:secret", "bob:0x543e1aec5d3614f03141652d6ada51b2",
				"carol:pa:ss", NULL };
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512], want[AUTH_KEY_LEN];
	char err[256];
	struct auth *a;

	conf_init(&tc, users, NULL);
	a = auth_new(&tc.c, NULL, err, sizeof(err));
	REQUIRE(a != NULL);
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "alice", "example.org", "secret"));
	CHECK_EQ_INT(auth_check(a, &msg, "alice", "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_USER);
	auth_lt_key("alice", "example.org", "secret", want);
	CHECK(!memcmp(res.key, want, AUTH_KEY_LEN));
	/* NULL realm means the configured one. */
	CHECK_EQ_INT(auth_check(a, &msg, "alice", NULL, NOW, false, &res), 0);
	/* A 0x entry is the key itself: sign with those bytes. */
	{
		struct stun_builder b;
		static const uint8_t tid[STUN_TID_LEN] = { 9 };
		ssize_t n;

		stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_REQUEST,
				 tid);
		stun_add_string(&b, STUN_ATTR_USERNAME, "bob");
		stun_add_integrity(&b, want, sizeof(want));
		n = stun_build_finish(&b);
		CHECK(n > 0 && stun_parse(&msg, buf, (size_t)n) == n);
		CHECK_EQ_INT(auth_check(a, &msg, "bob", "example.org", NOW, false, &res),
			     0);
		CHECK_EQ_INT(res.kind, AUTH_KIND_USER);
	}
	/* A password with a colon: split at the first one. */
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "carol", "example.org", "pa:ss"));
	CHECK_EQ_INT(auth_check(a, &msg, "carol", "example.org", NOW, false, &res), 0);
	/* (f) wrong password, unknown user, other name for a good MAC. */
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "alice", "example.org", "wrong"));
	CHECK_EQ_INT(auth_check(a, &msg, "alice", "example.org", NOW, false, &res),
		     TR_EAUTH);
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "mallory", "example.org",
			      "secret"));
	CHECK_EQ_INT(auth_check(a, &msg, "mallory", "example.org", NOW, false, &res),
		     TR_EAUTH);
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "alice", "example.org", "secret"));
	CHECK_EQ_INT(auth_check(a, &msg, "carol", "example.org", NOW, false, &res),
		     TR_EAUTH);
	auth_free(a);
}

static bool count_admin(const char *name, const char *realm, void *arg)
{
	char *acc = arg;

	strcat(acc, name);
	strcat(acc, "[");
	strcat(acc, realm);
	strcat(acc, "]");
	return false;
}

static void test_admin_store(struct store_fx *fx)
{
	char realm[AUTH_REALM_MAX], hash[128], acc[128] = "";

	CHECK_EQ_INT(auth_store_set_admin(fx->s, "boss", NULL, "$5$h1"), 0);
	CHECK_EQ_INT(auth_store_set_admin(fx->s, "rb", "ex.org", "$5$h2"), 0);
	CHECK_EQ_INT(auth_store_set_admin(fx->s, "boss", "", "$5$h3"), 0); /* replaces */
	CHECK_EQ_INT(auth_store_get_admin(fx->s, "rb", realm, sizeof(realm), hash,
					  sizeof(hash)),
		     0);
	CHECK_STR(realm, "ex.org");
	CHECK_STR(hash, "$5$h2");
	CHECK_EQ_INT(auth_store_get_admin(fx->s, "boss", realm, sizeof(realm), hash, 4),
		     TR_ENOTFOUND); /* does not fit */
	CHECK_EQ_INT(auth_store_each_admin(fx->s, count_admin, acc), 0);
	CHECK_STR(acc, "boss[]rb[ex.org]");
	CHECK_EQ_INT(auth_store_delete_admin(fx->s, "rb"), 0);
	CHECK_EQ_INT(auth_store_delete_admin(fx->s, "rb"), TR_ENOTFOUND);
	CHECK_EQ_INT(auth_store_get_admin(fx->s, "rb", realm, sizeof(realm), hash,
					  sizeof(hash)),
		     TR_ENOTFOUND);
}

static void test_check_store_user(struct store_fx *fx)
{
	struct auth_store *s = fx->s;
	struct auth *a;
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512], key[AUTH_KEY_LEN];
	char err[256];

	auth_lt_key("dora", "example.org", "dbpass", key);
	CHECK_EQ_INT(auth_store_set_user(s, "example.org", "dora", key), 0);
	conf_init(&tc, NULL, NULL);
	a = fx->a = auth_new(&tc.c, s, err, sizeof(err));
	REQUIRE(a != NULL);
	/* (b) a store user. */
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "dora", "example.org", "dbpass"));
	CHECK_EQ_INT(auth_check(a, &msg, "dora", "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_USER);
	CHECK(!memcmp(res.key, key, AUTH_KEY_LEN));
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "dora", "example.org", "nope"));
	CHECK_EQ_INT(auth_check(a, &msg, "dora", "example.org", NOW, false, &res),
		     TR_EAUTH);
}

static void test_check_rest_static(void)
{
	const char *secrets[] = { "first", "mysecret", NULL };
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512];
	char err[256], user[64];
	struct auth *a;

	conf_init(&tc, NULL, secrets);
	a = auth_new(&tc.c, NULL, err, sizeof(err));
	REQUIRE(a != NULL);
	/* (c) EXPIRY:ID, ID:EXPIRY and a bare EXPIRY, under either secret. */
	snprintf(user, sizeof(user), "%lld:alice", NOW + 3600);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "mysecret"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST);
	CHECK_EQ_INT(res.rest_expiry, NOW + 3600);
	snprintf(user, sizeof(user), "alice:%lld", NOW + 10);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "first"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	snprintf(user, sizeof(user), "%lld", NOW);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "mysecret"));
	/* EXPIRY == now is still valid (coturn). */
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	/* (e) expired: refused, unless the allocation is already live. */
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW + 1, false, &res),
		     TR_EEXPIRED);
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW + 1, true, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST);
	CHECK_EQ_INT(res.rest_expiry, NOW);
	/* A name without a number reads as expiry 0. */
	CHECK(rest_allocate(buf, sizeof(buf), &msg, "alice:bob", "mysecret"));
	CHECK_EQ_INT(auth_check(a, &msg, "alice:bob", "example.org", NOW, false, &res),
		     TR_EEXPIRED);
	/* (f) a secret we do not have. */
	snprintf(user, sizeof(user), "%lld:alice", NOW + 3600);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "unknown"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res),
		     TR_EAUTH);
	auth_free(a);
}

static bool live_set(void *ctx, const char *member_id)
{
	return !strcmp(member_id, (const char *)ctx);
}

/* Room-minted REST names ("EXPIRY:room~ID") are valid while ID is live. */
static void test_check_rest_presence(void)
{
	const char *secrets[] = { "mysecret", NULL };
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512];
	char err[256], user[64];
	struct auth *a;

	CHECK_STR(auth_room_member_id(AUTH_KIND_REST, "123:room~abc", ':'), "abc");
	CHECK(auth_room_member_id(AUTH_KIND_REST, "123:abc", ':') == NULL);
	CHECK(auth_room_member_id(AUTH_KIND_REST, "room~abc:123", ':') == NULL);
	CHECK(auth_room_member_id(AUTH_KIND_REST, ":room~abc", ':') == NULL);
	CHECK(auth_room_member_id(AUTH_KIND_REST, "123room~abc", ':') == NULL);
	CHECK_STR(auth_room_member_id(AUTH_KIND_REST, "123.room~x", '.'), "x");
	/* The check the metrics' copy lacked: a long-term user who named
	 * itself like a room credential is no room member. */
	CHECK(auth_room_member_id(AUTH_KIND_USER, "123:room~abc", ':') == NULL);
	conf_init(&tc, NULL, secrets);
	a = auth_new(&tc.c, NULL, err, sizeof(err));
	REQUIRE(a != NULL);
	snprintf(user, sizeof(user), "%lld:room~m1", NOW + 3600);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "mysecret"));
	/* No presence source: no member is live. */
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res),
		     TR_ENOTFOUND);
	CHECK(!auth_member_live(a, user));
	auth_set_presence(a, live_set, (void *)"m1");
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK(auth_member_live(a, user));
	auth_set_presence(a, live_set, (void *)"m2");
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res),
		     TR_ENOTFOUND);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST); /* genuine: the key is filled */
	/* Not room-minted: not presence-bound. */
	snprintf(user, sizeof(user), "%lld:m1", NOW + 3600);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "mysecret"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK(auth_member_live(a, user));
	auth_free(a);
}

static void test_check_rest_rotation(struct store_fx *fx)
{
	struct auth_store *s = fx->s;
	struct auth *a;
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512];
	char err[256], user[64];

	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "aaa-old"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "zzz-new"), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "other.org", "foreign"), 0);
	conf_init(&tc, NULL, NULL);
	a = fx->a = auth_new(&tc.c, s, err, sizeof(err));
	REQUIRE(a != NULL);
	/* (d) both DB secrets are accepted during a rotation. */
	snprintf(user, sizeof(user), "%lld:alice", NOW + 60);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "zzz-new"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "aaa-old"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	/* Another realm's secret is not this realm's. */
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "foreign"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res),
		     TR_EAUTH);
	/* Expired under a DB secret. */
	snprintf(user, sizeof(user), "%lld:alice", NOW - 1);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "zzz-new"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res),
		     TR_EEXPIRED);
}

static void test_check_side_by_side(struct store_fx *fx)
{
	struct auth_store *s = fx->s;
	struct auth *a;
	const char *users[] = { "alice:secret", NULL };
	const char *secrets[] = { "mysecret", NULL };
	struct test_conf tc;
	struct auth_result res;
	struct stun_msg msg;
	uint8_t buf[512], key[AUTH_KEY_LEN];
	char err[256], user[64];

	auth_lt_key("dora", "example.org", "dbpass", key);
	CHECK_EQ_INT(auth_store_set_user(s, "example.org", "dora", key), 0);
	CHECK_EQ_INT(auth_store_add_secret(s, "example.org", "dbsecret"), 0);
	conf_init(&tc, users, secrets);
	a = fx->a = auth_new(&tc.c, s, err, sizeof(err));
	REQUIRE(a != NULL);
	/* (g) with REST on, long-term users still pass (unlike coturn). */
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "alice", "example.org", "secret"));
	CHECK_EQ_INT(auth_check(a, &msg, "alice", "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_USER);
	CHECK(signed_allocate(buf, sizeof(buf), &msg, "dora", "example.org", "dbpass"));
	CHECK_EQ_INT(auth_check(a, &msg, "dora", "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_USER);
	snprintf(user, sizeof(user), "%lld:alice", NOW + 60);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "mysecret"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST);
	CHECK(rest_allocate(buf, sizeof(buf), &msg, user, "dbsecret"));
	CHECK_EQ_INT(auth_check(a, &msg, user, "example.org", NOW, false, &res), 0);
	CHECK_EQ_INT(res.kind, AUTH_KIND_REST);
	/* Signed with a REST password under a user's name: the user's key
	 * fails, REST matches, and "alice" carries no EXPIRY: expired. */
	CHECK(rest_allocate(buf, sizeof(buf), &msg, "alice", "mysecret"));
	CHECK_EQ_INT(auth_check(a, &msg, "alice", "example.org", NOW, false, &res),
		     TR_EEXPIRED);
}

int main(void)
{
	struct store_fx fx;

	RUN(test_lt_key);
	RUN(test_key_hex);
	RUN(test_rest_password);
	RUN(test_rest_expiry);
	RUN(test_rest_split);
	RUN(test_nonce);
	RUN_STORE(test_store);
	RUN_STORE(test_store_admin_ops);
	RUN_STORE(test_store_keep_value);
	RUN_DIR(test_store_turnadmin);
	RUN(test_auth_new_errors);
	RUN(test_check_config_user);
	RUN(test_admin_hash);
	RUN_STORE(test_admin_store);
	RUN_STORE(test_check_store_user);
	RUN(test_check_rest_static);
	RUN(test_check_rest_presence);
	RUN_STORE(test_check_rest_rotation);
	RUN_STORE(test_check_side_by_side);
	return HARNESS_DONE();
}
