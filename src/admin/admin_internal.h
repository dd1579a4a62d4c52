/* Shared by the admin command's files: the parsed command line and the
 * handlers. Private to src/admin. */
#ifndef TR_ADMIN_INTERNAL_H
#define TR_ADMIN_INTERNAL_H

#include <stdbool.h>

struct conf;

#define ADMIN_PROG "turnroom-admin"

/* Where the control socket is when neither --control-socket nor the
 * control-socket option of -c FILE says. */
#define ADMIN_DEFAULT_SOCKET "/run/turnroom/turnroom.ctl"

/* Seconds a JWT from --token stays valid when --ttl is not given. */
#define ADMIN_DEFAULT_TTL 3600L
/* Upper bound of --ttl: ten years is already a long-lived secret. */
#define ADMIN_MAX_TTL (10L * 366 * 24 * 3600)

/* The admin command's state: what argv and -c FILE said. Strings are
 * borrowed from argv or from conf (owned here) and live as long as it. */
struct admin_ctx {
	const struct admin_command *cmd;
	const char *user;       /* -u */
	const char *realm;      /* -r, else the realm of -c FILE */
	bool realm_given;       /* -r was on the command line */
	const char *password;   /* -p */
	const char *db;         /* -b, else userdb of -c FILE */
	const char *config;     /* -c */
	const char *value;      /* -s / -X secret, --disconnect user */
	const char *room;       /* --room, "*" by default */
	const char *jwt_secret; /* --secret, else signaling-secret of -c */
	const char *socket;     /* --control-socket, else control-socket of -c */
	long ttl;               /* --ttl */
	struct conf *conf;      /* -c FILE read by conf_read_file; owned */
};

/* What a command needs before it runs, checked in this order (turnadmin's
 * order: user, realm, password), so a refusal touches nothing. */
enum admin_need {
	ADMIN_NEED_USER = 1 << 0,
	ADMIN_NEED_REALM = 1 << 1,
	ADMIN_NEED_PASSWORD = 1 << 2,
	ADMIN_NEED_VALUE = 1 << 3, /* the secret of -s / -X */
	ADMIN_NEED_DB = 1 << 4,
	ADMIN_CREATES_DB = 1 << 5, /* may create the database file */
	ADMIN_READS_CONF = 1 << 6, /* takes what it needs from -c FILE */
	ADMIN_CONTROL = 1 << 7     /* talks to the running server */
};

/* One command: its flag, what it needs, and its handler, which returns the
 * process exit status (0, or 1 with a message on stderr). */
struct admin_command {
	int opt;          /* its getopt value */
	const char *word; /* as written, for messages */
	unsigned needs;
	int (*run)(struct admin_ctx *ctx);
	const char *control_line; /* ADMIN_CONTROL: the request, without USER */
};

/* "turnroom-admin: <message>" on stderr; returns 1 (the exit status). */
int admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* admin_store.c: the turndb commands. */
int admin_cmd_add(struct admin_ctx *ctx);
int admin_cmd_delete(struct admin_ctx *ctx);
int admin_cmd_list(struct admin_ctx *ctx);
int admin_cmd_key(struct admin_ctx *ctx);
int admin_cmd_set_secret(struct admin_ctx *ctx);
int admin_cmd_show_secret(struct admin_ctx *ctx);
int admin_cmd_delete_secret(struct admin_ctx *ctx);
int admin_cmd_delete_all_secrets(struct admin_ctx *ctx);
/* -A -D -L: coturn's admin_user rows (the web console's logins). */
int admin_cmd_add_admin(struct admin_ctx *ctx);
int admin_cmd_delete_admin(struct admin_ctx *ctx);
int admin_cmd_list_admin(struct admin_ctx *ctx);
/* Whether a user name is one coturn accepts (no blanks, quotes,
 * backslashes or line breaks; at most 512 bytes). */
bool admin_user_name_ok(const char *name);

/* admin_token.c: --token. */
int admin_cmd_token(struct admin_ctx *ctx);

/* admin_control.c: --sessions, --disconnect, --reload, --status. */
int admin_cmd_control(struct admin_ctx *ctx);

#endif
