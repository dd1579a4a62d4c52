/* The credential store: sqlite with coturn's turndb tables, so a database
 * made by coturn's turnadmin works unchanged and the other way round.
 * Short queries on prepared statements with bound parameters only. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

/* coturn's tables, as its sqlite driver (dbd_sqlite.c) creates them; the
 * varchar sizes are advisory in sqlite. Our own tables, when we need any,
 * get names of our own. */
static const char *const store_schema[] = {
	"CREATE TABLE IF NOT EXISTS turnusers_lt (realm varchar(127) default '', "
	"name varchar(512), hmackey char(128), PRIMARY KEY (realm,name))",
	"CREATE TABLE IF NOT EXISTS turn_secret (realm varchar(127) default '', "
	"value varchar(127), primary key (realm,value))",
	"CREATE TABLE IF NOT EXISTS allowed_peer_ip (realm varchar(127) default '', "
	"ip_range varchar(256), primary key (realm,ip_range))",
	"CREATE TABLE IF NOT EXISTS denied_peer_ip (realm varchar(127) default '', "
	"ip_range varchar(256), primary key (realm,ip_range))",
	"CREATE TABLE IF NOT EXISTS turn_origin_to_realm (origin varchar(127), "
	"realm varchar(127), primary key (origin))",
	"CREATE TABLE IF NOT EXISTS turn_realm_option (realm varchar(127) default '', "
	"opt varchar(32), value varchar(128), primary key (realm,opt))",
	"CREATE TABLE IF NOT EXISTS oauth_key (kid varchar(128), ikm_key varchar(256), "
	"timestamp bigint default 0, lifetime integer default 0, "
	"as_rs_alg varchar(64) default '', realm varchar(127) default '', "
	"primary key (kid))",
	"CREATE TABLE IF NOT EXISTS admin_user (name varchar(32), realm varchar(127), "
	"password varchar(127), primary key (name))",
	/* Ours: small facts a node keeps across restarts (its cluster
	 * node-id). coturn never reads it. */
	"CREATE TABLE IF NOT EXISTS turnroom_node (key TEXT PRIMARY KEY, value TEXT)",
};

enum store_stmt {
	ST_USER_KEY,
	ST_SECRETS,
	ST_ADD_SECRET,
	ST_SET_USER,
	ST_DEL_USER,
	ST_EACH_USER,
	ST_EACH_SECRET,
	ST_DEL_SECRET,
	ST_DEL_SECRETS,
	ST_KEEP_VALUE,
	ST_GET_VALUE,
	ST_SET_ADMIN,
	ST_DEL_ADMIN,
	ST_EACH_ADMIN,
	ST_GET_ADMIN,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
	[ST_USER_KEY] = "SELECT hmackey FROM turnusers_lt WHERE realm=? AND name=?",
	[ST_SECRETS] = "SELECT value FROM turn_secret WHERE realm=?",
	[ST_ADD_SECRET] = "INSERT OR REPLACE INTO turn_secret (realm,value) VALUES (?,?)",
	[ST_SET_USER] = ("INSERT OR REPLACE INTO turnusers_lt (realm,name,hmackey) "
			 "VALUES (?,?,?)"),
	[ST_DEL_USER] = "DELETE FROM turnusers_lt WHERE realm=? AND name=?",
	/* A NULL realm lists every realm; the order is turnadmin's. */
	[ST_EACH_USER] = ("SELECT name,realm FROM turnusers_lt "
			  "WHERE ?1 IS NULL OR realm=?1 ORDER BY realm,name"),
	[ST_EACH_SECRET] = ("SELECT value,realm FROM turn_secret "
			    "WHERE ?1 IS NULL OR realm=?1 ORDER BY realm,value"),
	[ST_DEL_SECRET] = "DELETE FROM turn_secret WHERE realm=? AND value=?",
	[ST_DEL_SECRETS] = "DELETE FROM turn_secret WHERE realm=?",
	/* First writer wins: a second process sharing the store reads back
	 * the value the first one kept. */
	[ST_KEEP_VALUE] = "INSERT OR IGNORE INTO turnroom_node (key,value) VALUES (?,?)",
	[ST_GET_VALUE] = "SELECT value FROM turnroom_node WHERE key=?",
	/* coturn's admin_user: the name is the key, the realm may be empty
	 * (an admin of every realm). */
	[ST_SET_ADMIN] = ("INSERT OR REPLACE INTO admin_user (name,realm,password) "
			  "VALUES (?,?,?)"),
	[ST_DEL_ADMIN] = "DELETE FROM admin_user WHERE name=?",
	[ST_EACH_ADMIN] =
		"SELECT name,realm FROM admin_user WHERE ?1 IS NULL ORDER BY name",
	[ST_GET_ADMIN] = "SELECT realm,password FROM admin_user WHERE name=?",
};

struct auth_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[ST_COUNT];
};

#define STORE_BUSY_MS 2000

static void store_log_err(const struct auth_store *s, const char *what)
{
	log_err("sqlite %s: %s: %s", s->path, what,
		s->db ? sqlite3_errmsg(s->db) : "cannot allocate");
}

static int store_setup(struct auth_store *s)
{
	char *msg = NULL;
	size_t i;

	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/* WAL lets turnadmin (or our admin command) write while the server
	 * reads. A file system without shared memory refuses it: still
	 * usable, so only warn. */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg) !=
	    SQLITE_OK) {
		log_warn("sqlite %s: cannot use WAL mode: %s", s->path, msg ? msg : "?");
		sqlite3_free(msg);
	}
	for (i = 0; i < sizeof(store_schema) / sizeof(store_schema[0]); i++) {
		if (sqlite3_exec(s->db, store_schema[i], NULL, NULL, NULL) != SQLITE_OK) {
			store_log_err(s, "creating the tables");
			return TR_EDB;
		}
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v2(s->db, store_sql[i], -1, &s->stmt[i], NULL) !=
		    SQLITE_OK) {
			store_log_err(s, "preparing a statement");
			return TR_EDB;
		}
	}
	return 0;
}

/* The store holds hmackeys and REST secrets: readable by its owner only.
 * A new database and its -wal/-shm are created under umask 077 (sqlite
 * gives -wal/-shm the database's mode); an existing one that others can
 * read is kept as it is (the operator may mean it) but said. */
static int store_open_private(struct auth_store *s)
{
	struct stat st;
	mode_t old_mask;
	int rc;

	if (stat(s->path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn("sqlite %s: mode %04o lets other local users read the "
			 "credential store (hmackeys, REST secrets); chmod 600 it",
			 s->path, (unsigned)(st.st_mode & 07777));
	old_mask = umask(077);
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		store_log_err(s, "cannot open");
		rc = TR_EDB;
	} else {
		rc = store_setup(s);
	}
	umask(old_mask);
	return rc;
}

struct auth_store *auth_store_open(const char *path)
{
	struct auth_store *s = calloc(1, sizeof(*s));

	if (!s) {
		log_err("sqlite %s: out of memory", path);
		return NULL;
	}
	s->path = strdup(path);
	if (!s->path) {
		log_err("sqlite %s: out of memory", path);
		goto fail;
	}
	if (store_open_private(s) < 0)
		goto fail;
	return s;
fail:
	auth_store_free(s);
	return NULL;
}

void auth_store_free(struct auth_store *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static bool bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_STATIC) == SQLITE_OK;
}

/* Leaves the statement ready for the next use and drops the bound
 * pointers (they are the caller's, borrowed only for the call). */
static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* coturn reads the first 32 hex digits of hmackey and refuses shorter
 * values (a SHA-256 key of 64 digits thus yields its first half). */
static int parse_hmackey(const struct auth_store *s, const char *realm, const char *name,
			 const unsigned char *text, uint8_t key[AUTH_KEY_LEN])
{
	char hex[2 * AUTH_KEY_LEN + 1], user[ESC_LOG_LEN], in_realm[ESC_LOG_LEN];
	size_t n = text ? strlen((const char *)text) : 0;
	int rc;

	if (n < 2 * AUTH_KEY_LEN) {
		log_warn("sqlite %s: hmackey of user %s realm %s is too short; "
			 "user ignored",
			 s->path, esc_str(user, sizeof(user), name),
			 esc_str(in_realm, sizeof(in_realm), realm));
		return TR_ENOTFOUND;
	}
	memcpy(hex, text, 2 * AUTH_KEY_LEN);
	hex[2 * AUTH_KEY_LEN] = '\0';
	rc = auth_key_from_hex(hex, key);
	OPENSSL_cleanse(hex, sizeof(hex));
	if (rc < 0) {
		log_warn("sqlite %s: hmackey of user %s realm %s is not hex; "
			 "user ignored",
			 s->path, esc_str(user, sizeof(user), name),
			 esc_str(in_realm, sizeof(in_realm), realm));
		return TR_ENOTFOUND;
	}
	return 0;
}

int auth_store_user_key(struct auth_store *s, const char *realm, const char *name,
			uint8_t key[AUTH_KEY_LEN])
{
	sqlite3_stmt *st = s->stmt[ST_USER_KEY];
	int rc, ret;

	if (!bind_text(st, 1, realm) || !bind_text(st, 2, name)) {
		store_log_err(s, "binding a user lookup");
		stmt_done(st);
		return TR_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = parse_hmackey(s, realm, name, sqlite3_column_text(st, 0), key);
	else if (rc == SQLITE_DONE)
		ret = TR_ENOTFOUND;
	else {
		store_log_err(s, "looking up a user");
		ret = TR_EDB;
	}
	stmt_done(st);
	return ret;
}

int auth_store_each_secret(struct auth_store *s, const char *realm,
			   bool (*fn)(const char *secret, void *arg), void *arg)
{
	sqlite3_stmt *st = s->stmt[ST_SECRETS];
	int rc, ret = 0;

	/* fn runs while the statement is open: it must not call back into
	 * this store. */
	if (!bind_text(st, 1, realm)) {
		store_log_err(s, "binding a secret lookup");
		stmt_done(st);
		return TR_EDB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		if (v && fn((const char *)v, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_log_err(s, "reading turn_secret");
		ret = TR_EDB;
	}
	stmt_done(st);
	return ret;
}

/* Runs a write statement already bound; one step, then reset. */
static int store_write(struct auth_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		store_log_err(s, what);
	stmt_done(st);
	return rc == SQLITE_DONE ? 0 : TR_EDB;
}

int auth_store_add_secret(struct auth_store *s, const char *realm, const char *secret)
{
	sqlite3_stmt *st = s->stmt[ST_ADD_SECRET];

	if (!bind_text(st, 1, realm) || !bind_text(st, 2, secret)) {
		store_log_err(s, "binding a secret");
		stmt_done(st);
		return TR_EDB;
	}
	return store_write(s, st, "adding a secret");
}

int auth_store_set_user(struct auth_store *s, const char *realm, const char *name,
			const uint8_t key[AUTH_KEY_LEN])
{
	sqlite3_stmt *st = s->stmt[ST_SET_USER];
	char hex[2 * AUTH_KEY_LEN + 1];
	int ret;

	auth_key_hex(key, hex);
	if (!bind_text(st, 1, realm) || !bind_text(st, 2, name) ||
	    !bind_text(st, 3, hex)) {
		store_log_err(s, "binding a user");
		stmt_done(st);
		ret = TR_EDB;
	} else {
		ret = store_write(s, st, "setting a user");
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	return ret;
}

/* ---- for the admin command ---- */

void auth_store_set_busy_timeout(struct auth_store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

static int store_exec(struct auth_store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		store_log_err(s, sql);
		return TR_EDB;
	}
	return 0;
}

int auth_store_begin(struct auth_store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int auth_store_commit(struct auth_store *s)
{
	if (store_exec(s, "COMMIT") == 0)
		return 0;
	auth_store_rollback(s);
	return TR_EDB;
}

void auth_store_rollback(struct auth_store *s)
{
	/* sqlite may already have rolled back on its own (SQLITE_FULL,
	 * SQLITE_IOERR, ...): then there is nothing left to undo. */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs a bound write statement in a transaction of its own unless the
 * caller has one open. Returns the number of rows changed or TR_EDB. */
static int store_write_tx(struct auth_store *s, sqlite3_stmt *st, const char *what)
{
	bool own = sqlite3_get_autocommit(s->db) != 0;
	int rc, changes;

	if (own && auth_store_begin(s) < 0) {
		stmt_done(st);
		return TR_EDB;
	}
	rc = sqlite3_step(st);
	changes = sqlite3_changes(s->db);
	if (rc != SQLITE_DONE)
		store_log_err(s, what);
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		if (own)
			auth_store_rollback(s);
		return TR_EDB;
	}
	if (own && auth_store_commit(s) < 0)
		return TR_EDB;
	return changes;
}

/* Binds two texts to st and runs it as one write; 0, TR_ENOTFOUND when no
 * row changed, or TR_EDB. */
static int store_delete_in_realm(struct auth_store *s, enum store_stmt which,
				 const char *a, const char *b, const char *what)
{
	sqlite3_stmt *st = s->stmt[which];
	int n;

	if (!bind_text(st, 1, a) || (b && !bind_text(st, 2, b))) {
		store_log_err(s, what);
		stmt_done(st);
		return TR_EDB;
	}
	n = store_write_tx(s, st, what);
	if (n < 0)
		return n;
	return n == 0 && b ? TR_ENOTFOUND : 0;
}

int auth_store_delete_user(struct auth_store *s, const char *realm, const char *name)
{
	return store_delete_in_realm(s, ST_DEL_USER, realm, name, "deleting a user");
}

int auth_store_delete_secret(struct auth_store *s, const char *realm, const char *secret)
{
	return store_delete_in_realm(s, ST_DEL_SECRET, realm, secret,
				     "deleting a secret");
}

int auth_store_delete_all_secrets(struct auth_store *s, const char *realm)
{
	return store_delete_in_realm(s, ST_DEL_SECRETS, realm, NULL,
				     "deleting the secrets");
}

/* Steps a two-column query with an optional realm filter (?1), calling fn
 * on each row until it returns true. 0 or TR_EDB. */
static int store_each_in_realm(struct auth_store *s, enum store_stmt which,
			       const char *realm,
			       bool (*fn)(const char *, const char *, void *), void *arg,
			       const char *what)
{
	sqlite3_stmt *st = s->stmt[which];
	int rc, ret = 0;

	rc = realm ? sqlite3_bind_text(st, 1, realm, -1, SQLITE_STATIC)
		   : sqlite3_bind_null(st, 1);
	if (rc != SQLITE_OK) {
		store_log_err(s, what);
		stmt_done(st);
		return TR_EDB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *a = sqlite3_column_text(st, 0);
		const unsigned char *b = sqlite3_column_text(st, 1);

		if (fn((const char *)(a ? a : (const unsigned char *)""),
		       (const char *)(b ? b : (const unsigned char *)""), arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_log_err(s, what);
		ret = TR_EDB;
	}
	stmt_done(st);
	return ret;
}

int auth_store_each_user(struct auth_store *s, const char *realm,
			 bool (*fn)(const char *name, const char *realm, void *arg),
			 void *arg)
{
	return store_each_in_realm(s, ST_EACH_USER, realm, fn, arg,
				   "listing turnusers_lt");
}

int auth_store_each_secret_all(struct auth_store *s, const char *realm,
			       bool (*fn)(const char *secret, const char *realm,
					  void *arg),
			       void *arg)
{
	return store_each_in_realm(s, ST_EACH_SECRET, realm, fn, arg,
				   "listing turn_secret");
}

/* ---- coturn's admin users ---- */

int auth_store_set_admin(struct auth_store *s, const char *name, const char *realm,
			 const char *hash)
{
	sqlite3_stmt *st = s->stmt[ST_SET_ADMIN];
	int n;

	if (!bind_text(st, 1, name) || !bind_text(st, 2, realm ? realm : "") ||
	    !bind_text(st, 3, hash)) {
		store_log_err(s, "binding an admin user");
		stmt_done(st);
		return TR_EDB;
	}
	n = store_write_tx(s, st, "adding an admin user");
	return n < 0 ? n : 0;
}

int auth_store_delete_admin(struct auth_store *s, const char *name)
{
	sqlite3_stmt *st = s->stmt[ST_DEL_ADMIN];
	int n;

	if (!bind_text(st, 1, name)) {
		store_log_err(s, "binding an admin user");
		stmt_done(st);
		return TR_EDB;
	}
	n = store_write_tx(s, st, "deleting an admin user");
	if (n < 0)
		return n;
	return n == 0 ? TR_ENOTFOUND : 0;
}

int auth_store_each_admin(struct auth_store *s,
			  bool (*fn)(const char *name, const char *realm, void *arg),
			  void *arg)
{
	return store_each_in_realm(s, ST_EACH_ADMIN, NULL, fn, arg, "listing admin_user");
}

int auth_store_get_admin(struct auth_store *s, const char *name, char *realm,
			 size_t realm_len, char *hash, size_t hash_len)
{
	sqlite3_stmt *st = s->stmt[ST_GET_ADMIN];
	const unsigned char *r, *h;
	int rc, ret = TR_ENOTFOUND;

	if (!bind_text(st, 1, name)) {
		store_log_err(s, "binding an admin lookup");
		stmt_done(st);
		return TR_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r = sqlite3_column_text(st, 0);
		h = sqlite3_column_text(st, 1);
		if (!r)
			r = (const unsigned char *)"";
		if (h && strlen((const char *)r) < realm_len &&
		    strlen((const char *)h) < hash_len) {
			strcpy(realm, (const char *)r);
			strcpy(hash, (const char *)h);
			ret = 0;
		}
	} else if (rc != SQLITE_DONE) {
		store_log_err(s, "reading an admin user");
		ret = TR_EDB;
	}
	stmt_done(st);
	return ret;
}

/* ---- turnroom's own values ---- */

static int store_get_value(struct auth_store *s, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st = s->stmt[ST_GET_VALUE];
	const unsigned char *text;
	int rc, ret = TR_EDB;

	if (!bind_text(st, 1, key)) {
		store_log_err(s, "binding a value lookup");
		stmt_done(st);
		return TR_EDB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(st, 0);
		if (text && strlen((const char *)text) < len) {
			strcpy(value, (const char *)text);
			ret = 0;
		} else {
			log_err("sqlite %s: turnroom_node %s is empty or too long",
				s->path, key);
		}
	} else {
		store_log_err(s, "reading a kept value");
	}
	stmt_done(st);
	return ret;
}

int auth_store_keep_value(struct auth_store *s, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st = s->stmt[ST_KEEP_VALUE];
	int ret;

	if (auth_store_begin(s) < 0)
		return TR_EDB;
	if (!bind_text(st, 1, key) || !bind_text(st, 2, value)) {
		store_log_err(s, "binding a kept value");
		stmt_done(st);
		ret = TR_EDB;
	} else {
		ret = store_write(s, st, "keeping a value");
	}
	if (ret == 0)
		ret = store_get_value(s, key, value, len);
	if (ret == 0)
		return auth_store_commit(s);
	auth_store_rollback(s);
	return ret;
}
