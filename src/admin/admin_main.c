/* turnroom-admin: the command line (turnadmin's flags and their meaning,
 * coturn's mainrelay.c adminmain), -c FILE, the checks every command goes
 * through before it touches anything, and dispatch through one table. */
#include "admin/admin.h"
#include "admin/admin_internal.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "util/log.h"

/* Long-only options get values outside the char range. */
enum {
	OPT_DEL_ALL = 256,
	OPT_TOKEN,
	OPT_ROOM,
	OPT_TTL,
	OPT_SECRET,
	OPT_SESSIONS,
	OPT_DISCONNECT,
	OPT_RELOAD,
	OPT_STATUS,
	OPT_DRAIN,
	OPT_SOCKET,
};

/* turnadmin's names (coturn's admin_long_options), then ours. */
static const struct option admin_long[] = {
	{ "add", no_argument, NULL, 'a' },
	{ "delete", no_argument, NULL, 'd' },
	{ "list", no_argument, NULL, 'l' },
	{ "key", no_argument, NULL, 'k' },
	{ "add-admin", no_argument, NULL, 'A' },
	{ "delete-admin", no_argument, NULL, 'D' },
	{ "list-admin", no_argument, NULL, 'L' },
	{ "set-secret", required_argument, NULL, 's' },
	{ "show-secret", no_argument, NULL, 'S' },
	{ "delete-secret", required_argument, NULL, 'X' },
	{ "delete-all-secrets", no_argument, NULL, OPT_DEL_ALL },
	{ "user", required_argument, NULL, 'u' },
	{ "realm", required_argument, NULL, 'r' },
	{ "password", required_argument, NULL, 'p' },
	{ "db", required_argument, NULL, 'b' },
	{ "userdb", required_argument, NULL, 'b' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "token", no_argument, NULL, OPT_TOKEN },
	{ "room", required_argument, NULL, OPT_ROOM },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "sessions", no_argument, NULL, OPT_SESSIONS },
	{ "disconnect", required_argument, NULL, OPT_DISCONNECT },
	{ "reload", no_argument, NULL, OPT_RELOAD },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "drain", no_argument, NULL, OPT_DRAIN },
	{ "control-socket", required_argument, NULL, OPT_SOCKET },
	{ NULL, 0, NULL, 0 },
};
/* The leading ':' makes getopt report a missing value as ':' and stay
 * silent: the messages are ours. */
static const char admin_short[] = ":adlkADLs:SX:u:r:p:b:c:h";

#define NEEDS_STORE (ADMIN_NEED_DB | ADMIN_READS_CONF)
#define CONTROL (ADMIN_CONTROL | ADMIN_READS_CONF)

/* Every command: the getopt value that selects it, and what it needs. */
static const struct admin_command admin_commands[] = {
	{ 'a', "-a",
	  ADMIN_NEED_USER | ADMIN_NEED_REALM | ADMIN_NEED_PASSWORD | NEEDS_STORE |
		  ADMIN_CREATES_DB,
	  admin_cmd_add, NULL },
	{ 'd', "-d", ADMIN_NEED_USER | ADMIN_NEED_REALM | NEEDS_STORE, admin_cmd_delete,
	  NULL },
	{ 'l', "-l", NEEDS_STORE, admin_cmd_list, NULL },
	{ 'k', "-k", ADMIN_NEED_USER | ADMIN_NEED_PASSWORD | ADMIN_READS_CONF,
	  admin_cmd_key, NULL },
	{ 'A', "-A",
	  ADMIN_NEED_USER | ADMIN_NEED_PASSWORD | NEEDS_STORE | ADMIN_CREATES_DB,
	  admin_cmd_add_admin, NULL },
	{ 'D', "-D", ADMIN_NEED_USER | NEEDS_STORE, admin_cmd_delete_admin, NULL },
	{ 'L', "-L", NEEDS_STORE, admin_cmd_list_admin, NULL },
	{ 's', "-s", ADMIN_NEED_REALM | ADMIN_NEED_VALUE | NEEDS_STORE | ADMIN_CREATES_DB,
	  admin_cmd_set_secret, NULL },
	{ 'S', "-S", NEEDS_STORE, admin_cmd_show_secret, NULL },
	{ 'X', "-X", ADMIN_NEED_REALM | ADMIN_NEED_VALUE | NEEDS_STORE,
	  admin_cmd_delete_secret, NULL },
	{ OPT_DEL_ALL, "--delete-all-secrets", ADMIN_NEED_REALM | NEEDS_STORE,
	  admin_cmd_delete_all_secrets, NULL },
	{ OPT_TOKEN, "--token", ADMIN_NEED_USER | ADMIN_READS_CONF, admin_cmd_token,
	  NULL },
	{ OPT_SESSIONS, "--sessions", CONTROL, admin_cmd_control, "sessions" },
	{ OPT_DISCONNECT, "--disconnect", CONTROL | ADMIN_NEED_VALUE, admin_cmd_control,
	  "disconnect" },
	{ OPT_RELOAD, "--reload", CONTROL, admin_cmd_control, "reload" },
	{ OPT_STATUS, "--status", CONTROL, admin_cmd_control, "status" },
	{ OPT_DRAIN, "--drain", CONTROL, admin_cmd_control, "drain" },
};

static const char admin_usage_text[] =
	"Usage: " ADMIN_PROG " COMMAND [OPTIONS]\n"
	"\n"
	"Commands (one per run), as coturn's turnadmin:\n"
	"  -a, --add                 add or update a long-term user (-u -r -p)\n"
	"  -d, --delete              delete a long-term user (-u -r)\n"
	"  -l, --list                list users as name[realm] (all realms unless -r)\n"
	"  -k, --key                 print the key 0x<hex MD5(user:realm:password)>\n"
	"                            (-u -p, realm \"\" without -r); touches nothing\n"
	"  -A, --add-admin           add or update a console admin user (-u -p; -r binds\n"
	"                            it to one realm, none: every realm)\n"
	"  -D, --delete-admin        delete a console admin user (-u)\n"
	"  -L, --list-admin          list admin users as name or name[realm]\n"
	"  -s, --set-secret=SECRET   add a TURN REST secret to the realm (-r)\n"
	"  -S, --show-secret         list secrets as secret[realm] (all realms unless -r)\n"
	"  -X, --delete-secret=SECRET  delete one secret of the realm (-r)\n"
	"      --delete-all-secrets  delete every secret of the realm (-r)\n"
	"Signaling:\n"
	"      --token               print an HS256 join token (JWT) for the room server\n"
	"                            (-u subject, --room, --ttl, --secret)\n"
	"Live control of a running turnroom over its control socket:\n"
	"      --sessions            list allocations and room peers\n"
	"      --disconnect=USER     end that user's allocations and room sessions\n"
	"      --reload              reload the configuration (as SIGHUP)\n"
	"      --status              print counters of the running server\n"
	"\n"
	"Options:\n"
	"  -u, --user=NAME           user name (token subject for --token)\n"
	"  -r, --realm=REALM         realm\n"
	"  -p, --password=PASSWORD   password (never stored; only its key is)\n"
	"  -b, --db, --userdb=PATH   the sqlite database (coturn's turndb schema)\n"
	"  -c, --config=FILE         take userdb, realm, signaling-secret and\n"
	"                            control-socket from a turnroom/turnserver config;\n"
	"                            the options above override it\n"
	"      --room=ROOM           room claim of --token (default \"*\": any room)\n"
	"      --ttl=SECONDS         lifetime of --token (default 3600)\n"
	"      --secret=SECRET       HS256 key of --token (default: signaling-secret)\n"
	"      --control-socket=PATH (default " ADMIN_DEFAULT_SOCKET ")\n"
	"  -h, --help                this text\n"
	"\n"
	"Exit status: 0 on success, 1 on any error (nothing is changed then).\n";

int admin_fail(const char *fmt, ...)
{
	va_list ap;

	fputs(ADMIN_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int admin_usage_error(void)
{
	fputs(admin_usage_text, stderr);
	return 1;
}

/* What parse_args and set_command answer besides an exit status (0, 1). */
enum {
	ADMIN_ARGS_RUN = -1,      /* parse_args: the command is set, run it */
	ADMIN_NOT_A_COMMAND = -2, /* set_command: opt is an option, not a command */
};

/* 0 when opt is a command (now set), 1 on a second command, or
 * ADMIN_NOT_A_COMMAND. */
static int set_command(struct admin_ctx *ctx, int opt)
{
	size_t i;

	for (i = 0; i < sizeof(admin_commands) / sizeof(admin_commands[0]); i++) {
		const struct admin_command *cmd = &admin_commands[i];

		if (cmd->opt != opt)
			continue;
		if (ctx->cmd && ctx->cmd != cmd)
			return admin_fail("give one command, not both %s and %s",
					  ctx->cmd->word, cmd->word);
		ctx->cmd = cmd;
		if (optarg)
			ctx->value = optarg;
		return 0;
	}
	return ADMIN_NOT_A_COMMAND;
}

static int parse_ttl(struct admin_ctx *ctx, const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > ADMIN_MAX_TTL)
		return admin_fail("--ttl: '%s' is not a number of seconds from 1 to %ld",
				  text, ADMIN_MAX_TTL);
	ctx->ttl = v;
	return 0;
}

/* Stores the value of a non-command option. 0, 1 on a bad value. */
static int set_option(struct admin_ctx *ctx, int opt)
{
	switch (opt) {
	case 'u':
		ctx->user = optarg;
		break;
	case 'r':
		ctx->realm = optarg;
		ctx->realm_given = true;
		break;
	case 'p':
		ctx->password = optarg;
		break;
	case 'b':
		ctx->db = optarg;
		break;
	case 'c':
		ctx->config = optarg;
		break;
	case OPT_ROOM:
		ctx->room = optarg;
		break;
	case OPT_TTL:
		return parse_ttl(ctx, optarg);
	case OPT_SECRET:
		ctx->jwt_secret = optarg;
		break;
	case OPT_SOCKET:
		ctx->socket = optarg;
		break;
	default:
		return 1;
	}
	return 0;
}

/* The option getopt refused, as the user wrote it. An unknown short
 * option sets optopt (it may sit inside a cluster such as -aZ, so argv
 * does not tell); an unknown or ambiguous long one leaves it 0 and is the
 * word just read; a missing value always ends its word. */
static int bad_option(char **argv, bool missing_value)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (optopt && (!missing_value || strncmp(word, "--", 2)))
		word = shortopt;
	if (missing_value)
		admin_fail("option '%s' needs a value", word);
	else
		admin_fail("unknown or ambiguous option '%s'", word);
	return admin_usage_error();
}

/* ADMIN_ARGS_RUN to go on, else the exit status (help, or an error). */
static int parse_args(struct admin_ctx *ctx, int argc, char **argv)
{
	int opt, rc;

	optind = 0; /* glibc: a full reset, admin_main may run twice */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, admin_short, admin_long, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return bad_option(argv, opt == ':');
		if (opt == 'h') {
			fputs(admin_usage_text, stdout);
			return 0;
		}
		rc = set_command(ctx, opt);
		if (rc == ADMIN_NOT_A_COMMAND)
			rc = set_option(ctx, opt);
		if (rc)
			return 1;
	}
	if (optind < argc) {
		admin_fail("unexpected argument '%s'", argv[optind]);
		return admin_usage_error();
	}
	if (!ctx->cmd) {
		admin_fail("no command given");
		return admin_usage_error();
	}
	return ADMIN_ARGS_RUN;
}

/* -c FILE: the server's own reading of it, so the admin command sees the
 * same userdb, realm (default included) and control socket the server
 * does. Command line values win. */
static int load_config(struct admin_ctx *ctx)
{
	char err[CONF_ERR_MAX];

	if (!ctx->config || !(ctx->cmd->needs & ADMIN_READS_CONF))
		return 0;
	ctx->conf = conf_new();
	if (!ctx->conf)
		return admin_fail("out of memory");
	snprintf(err, sizeof(err), "cannot read it");
	if (conf_read_file(ctx->conf, ctx->config, err, sizeof(err)) < 0)
		return admin_fail("%s", err);
	if (!ctx->db)
		ctx->db = ctx->conf->userdb;
	if (!ctx->realm)
		ctx->realm = ctx->conf->realm;
	if (!ctx->jwt_secret)
		ctx->jwt_secret = ctx->conf->signaling_secret;
	if (!ctx->socket)
		ctx->socket = ctx->conf->control_socket;
	return 0;
}

static bool unset(const char *s)
{
	return !s || !*s;
}

static int need_fail(const char *what)
{
	fprintf(stderr, "The operation cannot be completed: the %s must be set.\n", what);
	return 1;
}

/* Everything a command needs, before it touches anything. */
static int check_needs(const struct admin_ctx *ctx)
{
	unsigned n = ctx->cmd->needs;

	if ((n & ADMIN_NEED_USER) && unset(ctx->user))
		return need_fail("user");
	if ((n & ADMIN_NEED_REALM) && unset(ctx->realm))
		return need_fail("realm");
	if ((n & ADMIN_NEED_PASSWORD) && unset(ctx->password))
		return need_fail("password");
	if ((n & ADMIN_NEED_VALUE) && unset(ctx->value))
		return need_fail(n & ADMIN_CONTROL ? "user" : "secret");
	if ((n & ADMIN_NEED_DB) && unset(ctx->db))
		return admin_fail("no database: give -b PATH, or -c FILE with userdb=");
	if (ctx->user && !(n & ADMIN_CONTROL) && !admin_user_name_ok(ctx->user))
		return admin_fail("Wrong user name structure or symbols, choose another "
				  "name: %s",
				  ctx->user);
	if (ctx->realm && strlen(ctx->realm) >= AUTH_REALM_MAX)
		return admin_fail("the realm is longer than %d bytes",
				  AUTH_REALM_MAX - 1);
	if (ctx->realm && strpbrk(ctx->realm, "\r\n"))
		return admin_fail("the realm contains a line break");
	return 0;
}

int admin_main(int argc, char **argv)
{
	struct admin_ctx ctx = { .room = "*", .ttl = ADMIN_DEFAULT_TTL };
	int rc;

	/* Library messages (sqlite errors naming the file) go to stderr;
	 * warnings, e.g. for coturn options in -c FILE, stay quiet. */
	log_open(NULL, false, LOG_LVL_ERR);
	rc = parse_args(&ctx, argc, argv);
	if (rc == ADMIN_ARGS_RUN) {
		rc = load_config(&ctx);
		if (rc == 0)
			rc = check_needs(&ctx);
		if (rc == 0)
			rc = ctx.cmd->run(&ctx);
	}
	conf_free(ctx.conf);
	log_close();
	return rc;
}
