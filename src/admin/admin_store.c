/* The turndb commands, with turnadmin's meaning and output: -a -d -l -k
 * -s -S -X --delete-all-secrets. Each change is one transaction, so a
 * running server (which reads the same file in WAL mode) sees all of it
 * at its next authentication, or none of it. */
#include "admin/admin_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "util/errors.h"

/* The admin command may wait for a busy server or another admin run
 * longer than the server itself ever does. */
#define ADMIN_BUSY_MS 15000

bool admin_user_name_ok(const char *name)
{
	/* coturn (is_secure_string) refuses these, and its server answers
	 * 400 to a USERNAME holding them: such a user could never log in. */
	return strlen(name) < AUTH_NAME_MAX && !strpbrk(name, " \t'\"\\\r\n");
}

/* Opens ctx->db. Only commands that add something create the file: a
 * mistyped path for -l or -d is an error, not a new empty database. */
static struct auth_store *open_store(const struct admin_ctx *ctx)
{
	struct auth_store *s;
	struct stat st;

	if (stat(ctx->db, &st) < 0 &&
	    (errno != ENOENT || !(ctx->cmd->needs & ADMIN_CREATES_DB))) {
		admin_fail("cannot open the database %s: %s", ctx->db, strerror(errno));
		return NULL;
	}
	s = auth_store_open(ctx->db);
	if (!s) {
		/* sqlite's own reason is logged just above. */
		admin_fail("cannot open the database %s (a missing directory, "
			   "no permission, or not an sqlite database)",
			   ctx->db);
		return NULL;
	}
	auth_store_set_busy_timeout(s, ADMIN_BUSY_MS);
	return s;
}

/* Ends a command that wrote: a failed write names the database. */
static int store_done(const struct admin_ctx *ctx, struct auth_store *s, int rc,
		      const char *what)
{
	auth_store_free(s);
	if (rc < 0 && rc != TR_ENOTFOUND)
		return admin_fail("%s in %s failed: %s", what, ctx->db, tr_strerror(rc));
	return 0;
}

int admin_cmd_key(struct admin_ctx *ctx)
{
	uint8_t key[AUTH_KEY_LEN];
	char hex[2 * AUTH_KEY_LEN + 1];

	/* turnadmin: without -r the realm is "". */
	auth_lt_key(ctx->user, ctx->realm ? ctx->realm : "", ctx->password, key);
	auth_key_hex(key, hex);
	printf("0x%s\n", hex);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hex, sizeof(hex));
	return fflush(stdout) == 0 ? 0 : admin_fail("cannot write the key");
}

int admin_cmd_add(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	uint8_t key[AUTH_KEY_LEN];
	int rc;

	if (!s)
		return 1;
	auth_lt_key(ctx->user, ctx->realm, ctx->password, key);
	rc = auth_store_begin(s);
	if (rc == 0) {
		rc = auth_store_set_user(s, ctx->realm, ctx->user, key);
		if (rc == 0)
			rc = auth_store_commit(s);
		else
			auth_store_rollback(s);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return store_done(ctx, s, rc, "adding the user");
}

int admin_cmd_delete(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	int rc;

	if (!s)
		return 1;
	rc = auth_store_delete_user(s, ctx->realm, ctx->user);
	/* turnadmin says nothing and succeeds; a word on stderr helps. */
	if (rc == TR_ENOTFOUND)
		fprintf(stderr, ADMIN_PROG ": no user %s in realm %s; nothing deleted\n",
			ctx->user, ctx->realm);
	return store_done(ctx, s, rc, "deleting the user");
}

/* "name[realm]" / "secret[realm]", turnadmin's shape for both lists. */
static bool print_pair(const char *a, const char *realm, void *arg)
{
	int *failed = arg;

	if (printf("%s[%s]\n", a, realm) < 0)
		*failed = 1;
	return *failed != 0;
}

static int run_list(struct admin_ctx *ctx, bool secrets)
{
	struct auth_store *s = open_store(ctx);
	/* Only an explicit -r filters: the realm of -c FILE is where the
	 * server lives, not a wish to hide the other realms. */
	const char *realm = ctx->realm_given ? ctx->realm : NULL;
	int failed = 0, rc;

	if (!s)
		return 1;
	if (secrets)
		rc = auth_store_each_secret_all(s, realm, print_pair, &failed);
	else
		rc = auth_store_each_user(s, realm, print_pair, &failed);
	auth_store_free(s);
	if (rc < 0)
		return admin_fail("reading %s failed: %s", ctx->db, tr_strerror(rc));
	if (failed || fflush(stdout) != 0)
		return admin_fail("cannot write the list");
	return 0;
}

int admin_cmd_list(struct admin_ctx *ctx)
{
	return run_list(ctx, false);
}

int admin_cmd_show_secret(struct admin_ctx *ctx)
{
	return run_list(ctx, true);
}

int admin_cmd_set_secret(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	int rc;

	if (!s)
		return 1;
	rc = auth_store_begin(s);
	if (rc == 0) {
		rc = auth_store_add_secret(s, ctx->realm, ctx->value);
		if (rc == 0)
			rc = auth_store_commit(s);
		else
			auth_store_rollback(s);
	}
	return store_done(ctx, s, rc, "adding the secret");
}

int admin_cmd_delete_secret(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	int rc;

	if (!s)
		return 1;
	rc = auth_store_delete_secret(s, ctx->realm, ctx->value);
	if (rc == TR_ENOTFOUND)
		fprintf(stderr,
			ADMIN_PROG ": no such secret in realm %s; nothing deleted\n",
			ctx->realm);
	return store_done(ctx, s, rc, "deleting the secret");
}

int admin_cmd_delete_all_secrets(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);

	if (!s)
		return 1;
	return store_done(ctx, s, auth_store_delete_all_secrets(s, ctx->realm),
			  "deleting the secrets");
}

/* ---- coturn's admin users (-A -D -L) ---- */

int admin_cmd_add_admin(struct admin_ctx *ctx)
{
	struct auth_store *s;
	char hash[AUTH_ADMIN_HASH_LEN];
	int rc;

	/* turnadmin -A: without -r the admin is of every realm (""), even
	 * when -c FILE names the server's realm. */
	if (auth_admin_hash(ctx->password, hash) < 0)
		return admin_fail("no randomness for the password's salt");
	s = open_store(ctx);
	if (!s)
		return 1;
	rc = auth_store_set_admin(s, ctx->user, ctx->realm_given ? ctx->realm : "", hash);
	OPENSSL_cleanse(hash, sizeof(hash));
	return store_done(ctx, s, rc, "adding the admin user");
}

int admin_cmd_delete_admin(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	int rc;

	if (!s)
		return 1;
	rc = auth_store_delete_admin(s, ctx->user);
	if (rc == TR_ENOTFOUND)
		fprintf(stderr, ADMIN_PROG ": no admin user %s; nothing deleted\n",
			ctx->user);
	return store_done(ctx, s, rc, "deleting the admin user");
}

/* turnadmin -L: "name", or "name[realm]" for a realm-bound admin. */
static bool print_admin(const char *name, const char *realm, void *arg)
{
	int *failed = arg;

	if ((*realm ? printf("%s[%s]\n", name, realm) : printf("%s\n", name)) < 0)
		*failed = 1;
	return *failed != 0;
}

int admin_cmd_list_admin(struct admin_ctx *ctx)
{
	struct auth_store *s = open_store(ctx);
	int failed = 0, rc;

	if (!s)
		return 1;
	rc = auth_store_each_admin(s, print_admin, &failed);
	auth_store_free(s);
	if (rc < 0)
		return admin_fail("reading %s failed: %s", ctx->db, tr_strerror(rc));
	if (failed || fflush(stdout) != 0)
		return admin_fail("cannot write the list");
	return 0;
}
