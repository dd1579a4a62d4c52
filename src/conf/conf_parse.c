/* turnserver.conf-style file and command-line parsing, driven by the option
 * table in conf_table.c. Line rules follow coturn's read_config_file(); the
 * differences are deliberate: unknown keys and bad values are errors
 * ("FILE:LINE: ..."), not warnings. */
#include "conf/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "conf/conf_internal.h"
#include "util/addr.h"
#include "util/errors.h"
#include "util/log.h"

/* coturn reads lines with fgets into 1024 bytes. */
#define CONF_LINE_MAX 1023

/* One load (a file, a command line, or both): where a message points and
 * which unimplemented options were already warned about. */
struct conf_ctx {
	const char *file; /* NULL on the command line */
	unsigned line;
	const char *arg; /* command-line option as written ("-p", "--realm") */
	bool *warned;    /* conf_option_count flags; NULL = never warn */
	char *err;
	size_t errlen;
};

/* Formats "FILE:LINE: msg" or "ARG: msg" into ctx->err. Returns TR_EINVAL. */
static int ctx_err(struct conf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int ctx_err(struct conf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!ctx->err || !ctx->errlen)
		return TR_EINVAL;
	if (ctx->file)
		n = snprintf(ctx->err, ctx->errlen, "%s:%u: ", ctx->file, ctx->line);
	else if (ctx->arg)
		n = snprintf(ctx->err, ctx->errlen, "%s: ", ctx->arg);
	if (n < 0 || (size_t)n >= ctx->errlen)
		return TR_EINVAL;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return TR_EINVAL;
}

static void *field(struct conf *c, const struct conf_option *o)
{
	return (char *)c + o->offset;
}

static const void *cfield(const struct conf *c, const struct conf_option *o)
{
	return (const char *)c + o->offset;
}

/* ---- value syntax ---- */

/* coturn's get_bool_value(): empty, 1-9, y..., t..., on are true;
 * 0, n..., f..., off are false. */
static int parse_bool(const char *s, bool *out)
{
	if (!s || !*s || (*s >= '1' && *s <= '9') || strchr("yYtT", *s) ||
	    !strcasecmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (*s == '0' || strchr("nNfF", *s) || !strcasecmp(s, "off")) {
		*out = false;
		return 0;
	}
	return TR_EINVAL;
}

/* Decimal digits only, within [min, max]. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return TR_EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return TR_EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return TR_EINVAL;
	}
	if (v < min)
		return TR_EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* user: "name:password" or "name:0x" + 32 hex digits (an MD5 key, as
 * turnadmin -k prints it). */
static bool check_user(const char *v)
{
	const char *colon = strchr(v, ':'), *pw;

	if (!colon || colon == v || !colon[1])
		return false;
	pw = colon + 1;
	if (pw[0] != '0' || (pw[1] != 'x' && pw[1] != 'X'))
		return true;
	for (pw += 2; *pw; pw++)
		if (!isxdigit((unsigned char)*pw))
			return false;
	return pw - colon - 3 == 32;
}

/* node-id: it names Redis keys and pub/sub channels ("tr:node:ID"), so a
 * short, plain charset. */
static bool check_id(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > CONF_NODE_ID_MAX)
		return false;
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '.' || *v == '_' || *v == '-'))
			return false;
	return true;
}

/* ---- setters ---- */

static int list_append(struct conf_list *l, const char *v)
{
	char **items;
	char *copy = strdup(v);

	if (!copy)
		return TR_ENOMEM;
	items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (!items) {
		free(copy);
		return TR_ENOMEM;
	}
	items[l->n++] = copy;
	l->items = items;
	return 0;
}

/* Syntax check of one list item; NULL when fine, else what was expected. */
static const char *list_item_problem(const struct conf_option *o, const char *v)
{
	if ((o->flags & CONF_F_CHECK_USER) && !check_user(v))
		return "expected 'name:password' or 'name:0x' and 32 hex digits";
	return NULL;
}

/* Secrets and passwords never go into messages or logs. */
static bool is_secret(const struct conf_option *o)
{
	return (o->flags & CONF_F_SECRET) != 0;
}

static int bad_value(struct conf_ctx *ctx, const struct conf_option *o, const char *v,
		     const char *expected)
{
	if (is_secret(o))
		return ctx_err(ctx, "bad value for '%s': %s", o->name, expected);
	return ctx_err(ctx, "bad value '%s' for '%s': %s", v, o->name, expected);
}

static int set_list(struct conf *c, const struct conf_option *o, const char *v,
		    struct conf_ctx *ctx)
{
	const char *problem = list_item_problem(o, v);

	if (problem)
		return bad_value(ctx, o, v, problem);
	if (list_append(field(c, o), v) < 0) {
		ctx_err(ctx, "out of memory");
		return TR_ENOMEM;
	}
	return 0;
}

static int set_uint(struct conf *c, const struct conf_option *o, const char *v,
		    struct conf_ctx *ctx)
{
	if (!v && (o->flags & CONF_F_BARE_DEFAULT))
		v = o->default_text;
	if (!v)
		return ctx_err(ctx, "'%s' needs a value", o->name);
	if (parse_uint(v, o->min, o->max, field(c, o)) < 0)
		return ctx_err(ctx, "bad value '%s' for '%s': expected a number %u-%u", v,
			       o->name, o->min, o->max);
	return 0;
}

static int set_string(struct conf *c, const struct conf_option *o, const char *v,
		      struct conf_ctx *ctx)
{
	char **slot = field(c, o), *copy;

	if (!v)
		return ctx_err(ctx, "'%s' needs a value", o->name);
	if ((o->flags & CONF_F_CHECK_ID) && !check_id(v))
		return bad_value(ctx, o, v, "expected 1-64 of A-Z a-z 0-9 . _ -");
	copy = strdup(v);
	if (!copy) {
		ctx_err(ctx, "out of memory");
		return TR_ENOMEM;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* ENUM, ADDR and the typed lists (conf_kinds.c). */
static int set_typed(struct conf *c, const struct conf_option *o, const char *v,
		     struct conf_ctx *ctx)
{
	char why[160];
	int rc;

	if (!v)
		return ctx_err(ctx, "'%s' needs a value", o->name);
	rc = conf_kind_apply(field(c, o), o, v, why, sizeof(why));
	if (rc == TR_EINVAL)
		return bad_value(ctx, o, v, why);
	if (rc < 0)
		ctx_err(ctx, "out of memory");
	return rc;
}

/* Warns once per option per load; coturn options we do not implement are
 * accepted so that an existing turnserver.conf keeps starting. */
static void warn_unimplemented(const struct conf_option *o, struct conf_ctx *ctx)
{
	size_t idx = (size_t)(o - conf_options);

	if (!ctx->warned || ctx->warned[idx])
		return;
	ctx->warned[idx] = true;
	if (ctx->file)
		log_warn(
			"%s:%u: '%s' is a coturn option turnroom does not implement; ignored",
			ctx->file, ctx->line, o->name);
	else
		log_warn(
			"%s: '%s' is a coturn option turnroom does not implement; ignored",
			ctx->arg ? ctx->arg : "command line", o->name);
}

/* Applies one option; v NULL means a bare key or flag. */
static int conf_apply(struct conf *c, const struct conf_option *o, const char *v,
		      struct conf_ctx *ctx)
{
	bool b;

	switch (o->type) {
	case CONF_BOOL:
		if (parse_bool(v, &b) < 0)
			return bad_value(ctx, o, v,
					 "expected on/off, yes/no, true/false or 1/0");
		*(bool *)field(c, o) = (o->flags & CONF_F_INVERT) ? !b : b;
		return 0;
	case CONF_UINT:
		return set_uint(c, o, v, ctx);
	case CONF_STRING:
		return set_string(c, o, v, ctx);
	case CONF_LIST:
		if (!v)
			return ctx_err(ctx, "'%s' needs a value", o->name);
		return set_list(c, o, v, ctx);
	case CONF_CHAR:
		if (!v || strlen(v) != 1)
			return bad_value(ctx, o, v ? v : "", "expected one character");
		*(char *)field(c, o) = v[0];
		return 0;
	case CONF_ENUM:
	case CONF_ADDR:
	case CONF_ADDR_LIST:
	case CONF_EXTERNAL_IP:
	case CONF_PEER_RANGE:
	case CONF_ADDR_PORT_LIST:
	case CONF_ENDPOINT:
	case CONF_ENDPOINT_LIST:
		return set_typed(c, o, v, ctx);
	case CONF_UNIMPL:
		warn_unimplemented(o, ctx);
		return 0;
	}
	return TR_EINVAL;
}

/* coturn switches these on from the values that need them (its pass 2
 * reads user= last, so users win over an explicit lt-cred-mech=off). */
static void conf_imply(struct conf *c)
{
	if (c->users.n)
		c->lt_cred_mech = true;
	if (c->static_auth_secrets.n)
		c->use_auth_secret = true;
	if (c->keep_address_family)
		c->allocation_default_address_family = CONF_FAMILY_KEEP;
}

/* ---- lifecycle ---- */

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->type == CONF_STRING) {
			char **slot = field(c, o);

			free(*slot);
			*slot = NULL;
		} else if (o->type == CONF_LIST) {
			struct conf_list *l = field(c, o);

			for (size_t j = 0; j < l->n; j++)
				free(l->items[j]);
			free(l->items);
			l->items = NULL;
			l->n = 0;
		} else {
			conf_kind_free(field(c, o), o);
		}
	}
	free(c->config_file);
	free(c);
}

struct conf *conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));
	char err[CONF_ERR_MAX];
	struct conf_ctx ctx = { "(defaults)", 0, NULL, NULL, err, sizeof(err) };

	if (!c)
		return NULL;
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];

		if (!o->default_text || o->type == CONF_UNIMPL ||
		    (o->flags & CONF_F_ALIAS))
			continue;
		if (conf_apply(c, o, o->default_text, &ctx) < 0)
			goto fail;
	}
	return c;
fail:
	conf_free(c);
	return NULL;
}

/* ---- the file ---- */

static bool is_sep(char ch)
{
	return ch == ' ' || ch == '=' || ch == '\t';
}

/* Splits a stripped, non-comment line in place into key and value (NULL
 * when bare). The key ends at the first run of spaces, '=' or tabs. */
static void split_line(char *p, char **key, char **value)
{
	size_t n;

	*key = p;
	while (*p && !is_sep(*p))
		p++;
	*value = NULL;
	if (!*p)
		return;
	*p++ = '\0';
	while (is_sep(*p))
		p++;
	n = strlen(p);
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p[n - 1] = '\0';
		p++;
	}
	*value = *p ? p : NULL;
}

static int parse_line(struct conf *c, char *line, struct conf_ctx *ctx)
{
	const struct conf_option *o;
	size_t n = strlen(line);
	char *key, *value;

	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#')
		return 0;
	split_line(line, &key, &value);
	n = strlen(key);
	if (n && key[n - 1] == ';')
		return ctx_err(ctx, "unknown option '%s' (ends with ';')", key);
	o = key[0] == '-' ? NULL : conf_option_find(key);
	if (!o && key[0] == '-')
		return ctx_err(
			ctx, "unknown option '%s' (write names without '-' in the file)",
			key);
	if (!o)
		return ctx_err(ctx, "unknown option '%s'", key);
	if (value && value[strlen(value) - 1] == ';' && !is_secret(o))
		log_warn("%s:%u: value of '%s' ends with ';', kept as part of the value",
			 ctx->file, ctx->line, key);
	return conf_apply(c, o, value, ctx);
}

static int read_file(struct conf *c, const char *path, struct conf_ctx *ctx)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	ctx->file = NULL;
	ctx->arg = path;
	if (!f)
		return ctx_err(ctx, "cannot read config file: %s", strerror(errno));
	ctx->file = path;
	ctx->line = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;

		ctx->line++;
		if (len && line[len - 1] == '\n')
			len--;
		if (len > CONF_LINE_MAX)
			rc = ctx_err(ctx, "line longer than %d bytes", CONF_LINE_MAX);
		else if (strlen(line) != (size_t)n)
			rc = ctx_err(ctx, "NUL byte in line");
		else
			rc = parse_line(c, line, ctx);
	}
	if (rc == 0 && ferror(f)) {
		ctx->file = NULL;
		rc = ctx_err(ctx, "cannot read config file: %s", strerror(errno));
	}
	free(line);
	fclose(f);
	ctx->file = NULL;
	ctx->arg = NULL;
	return rc;
}

int conf_read_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_ctx ctx = { NULL, 0, NULL, NULL, err, errlen };
	int rc;

	if (!c || !path)
		return TR_EINVAL;
	ctx.warned = calloc(conf_option_count, sizeof(bool));
	if (!ctx.warned)
		return TR_ENOMEM;
	rc = read_file(c, path, &ctx);
	if (rc == 0)
		conf_imply(c);
	free(ctx.warned);
	return rc;
}

/* ---- the command line ---- */

/* Walks argv twice with the same rules: first to find -c, -h and
 * --version (apply false), then to apply every option (apply true), so
 * both passes agree on which word is an option's value. */
struct argv_walk {
	int argc;
	char **argv;
	int i; /* index of the word being read */
	bool apply;
	const char *config; /* -c FILE */
	bool help, version;
	char label[80]; /* the option as written, for messages */
};

/* The word after the current one, as an option's value; NULL at the end. */
static const char *next_word(struct argv_walk *w)
{
	return w->i + 1 < w->argc ? w->argv[++w->i] : NULL;
}

/* Applies o with value v, or reports a missing value. */
static int walk_option(struct conf *c, struct argv_walk *w, const struct conf_option *o,
		       const char *v, struct conf_ctx *ctx)
{
	ctx->arg = w->label;
	if (!v && conf_option_needs_value(o))
		return ctx_err(ctx, "'%s' needs a value", o->name);
	if (!w->apply)
		return 0;
	return conf_apply(c, o, v, ctx);
}

/* "--name", "--name=value" or "--name value". */
static int walk_long(struct conf *c, struct argv_walk *w, struct conf_ctx *ctx)
{
	const char *word = w->argv[w->i] + 2, *eq = strchr(word, '=');
	size_t n = eq ? (size_t)(eq - word) : strlen(word);
	const struct conf_option *o;
	const char *v = eq ? eq + 1 : NULL;

	snprintf(w->label, sizeof(w->label), "--%.*s", (int)n, word);
	ctx->arg = w->label;
	if (n >= sizeof(w->label) - 2)
		return ctx_err(ctx, "unknown option");
	if (!strcmp(w->label, "--config")) {
		w->config = v ? v : next_word(w);
		return w->config ? 0 : ctx_err(ctx, "needs a file name");
	}
	if (!strcmp(w->label, "--help") || !strcmp(w->label, "--version")) {
		if (w->label[2] == 'h')
			w->help = true;
		else
			w->version = true;
		return 0;
	}
	o = conf_option_find(w->label + 2);
	if (!o)
		return ctx_err(ctx, "unknown option");
	if (!v && conf_option_needs_value(o))
		v = next_word(w);
	return walk_option(c, w, o, v, ctx);
}

/* "-p 3478", "-p3478", "-p=3478" and bundled flags "-vf". */
static int walk_short(struct conf *c, struct argv_walk *w, struct conf_ctx *ctx)
{
	const char *word = w->argv[w->i];

	for (size_t j = 1; word[j]; j++) {
		const struct conf_option *o;
		const char *rest = word + j + 1, *v;

		snprintf(w->label, sizeof(w->label), "-%c", word[j]);
		ctx->arg = w->label;
		if (*rest == '=')
			rest++;
		if (word[j] == 'c') {
			w->config = *rest ? rest : next_word(w);
			return w->config ? 0 : ctx_err(ctx, "needs a file name");
		}
		if (word[j] == 'h' || word[j] == 'n') {
			/* -n: coturn's "no config file", already our default. */
			w->help |= word[j] == 'h';
			continue;
		}
		o = conf_option_find_short(word[j]);
		if (!o)
			return ctx_err(ctx, "unknown option");
		if (!conf_option_needs_value(o)) {
			if (walk_option(c, w, o, NULL, ctx) < 0)
				return TR_EINVAL;
			continue;
		}
		v = *rest ? rest : next_word(w);
		return walk_option(c, w, o, v, ctx);
	}
	return 0;
}

static int walk_argv(struct conf *c, struct argv_walk *w, struct conf_ctx *ctx)
{
	for (w->i = 1; w->i < w->argc; w->i++) {
		const char *word = w->argv[w->i];
		int rc;

		if (!strcmp(word, "--")) {
			if (w->i + 1 < w->argc) {
				ctx->arg = w->argv[w->i + 1];
				return ctx_err(ctx, "unexpected argument");
			}
			return 0;
		}
		if (word[0] == '-' && word[1] == '-')
			rc = walk_long(c, w, ctx);
		else if (word[0] == '-' && word[1])
			rc = walk_short(c, w, ctx);
		else {
			ctx->arg = word;
			rc = ctx_err(ctx, "unexpected argument");
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int conf_load(struct conf *c, int argc, char **argv, bool *want_help, bool *want_version,
	      char *err, size_t errlen)
{
	struct conf_ctx ctx = { NULL, 0, NULL, NULL, err, errlen };
	struct argv_walk w = { .argc = argc, .argv = argv };
	int rc;

	if (want_help)
		*want_help = false;
	if (want_version)
		*want_version = false;
	if (!c || argc < 0 || (argc > 0 && !argv))
		return TR_EINVAL;
	if (err && errlen)
		err[0] = '\0';
	rc = walk_argv(c, &w, &ctx);
	if (rc < 0 || w.help || w.version) {
		if (want_help)
			*want_help = w.help;
		if (want_version)
			*want_version = w.version;
		return rc;
	}
	ctx.warned = calloc(conf_option_count, sizeof(bool));
	if (!ctx.warned)
		return TR_ENOMEM;
	if (w.config) {
		free(c->config_file);
		c->config_file = strdup(w.config);
		rc = c->config_file ? read_file(c, w.config, &ctx) : TR_ENOMEM;
	}
	if (rc == 0) {
		w.apply = true;
		rc = walk_argv(c, &w, &ctx);
	}
	free(ctx.warned);
	if (rc < 0)
		return rc;
	conf_imply(c);
	/* Once file and command line are both read: no listening-ip means
	 * loopback, so every listener and the relay see one list. */
	if (!c->listening_ips.n) {
		struct tr_addr lo;

		if (addr_parse_ip(&lo, "127.0.0.1", 0) < 0 ||
		    conf_addrs_append(&c->listening_ips, &lo) < 0) {
			snprintf(err, errlen, "out of memory");
			return TR_ENOMEM;
		}
	}
	return conf_validate(c, err, errlen);
}

/* ---- cross-option rules ---- */

/* Every UINT within its table range, also when set by code, not text. */
static int validate_ranges(const struct conf *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		unsigned v;

		if (o->type != CONF_UINT || (o->flags & CONF_F_ALIAS))
			continue;
		v = *(const unsigned *)cfield(c, o);
		if (v < o->min || v > o->max) {
			snprintf(err, errlen, "%s is %u: expected %u-%u", o->name, v,
				 o->min, o->max);
			return TR_EINVAL;
		}
	}
	return 0;
}

/* RFC 8489 section 14.9: REALM is fewer than 128 characters (UTF-8). */
static bool realm_ok(const char *realm)
{
	size_t chars = 0, bytes = 0;

	if (!realm || !*realm)
		return false;
	for (; *realm; realm++, bytes++)
		if (((unsigned char)*realm & 0xc0) != 0x80)
			chars++;
	return chars < 128 && bytes <= 763;
}

/* Auth options that cannot go together (coturn: -z with -a is fatal). */
static const char *auth_problem(const struct conf *c)
{
	if (c->no_auth && (c->lt_cred_mech || c->use_auth_secret || c->users.n ||
			   c->static_auth_secrets.n))
		return "no-auth cannot be combined with lt-cred-mech, use-auth-secret, "
		       "user or static-auth-secret";
	if (c->use_auth_secret && !c->static_auth_secrets.n && !c->userdb)
		return "use-auth-secret needs a static-auth-secret or a userdb "
		       "holding turn_secret rows";
	/* A digit or blank cannot split "EXPIRY:ID" unambiguously. */
	if (!isgraph((unsigned char)c->rest_api_separator) ||
	    isdigit((unsigned char)c->rest_api_separator))
		return "rest-api-separator must be one printable character, not a digit";
	return NULL;
}

/* STUN modes, relay kinds, families and bandwidth (coturn: the first two
 * pairs are fatal there too, and bps-capacity needs max-bps). */
static const char *relay_mode_problem(const struct conf *c)
{
	if (c->stun_only && c->no_stun)
		return "stun-only and no-stun together leave nothing to serve";
	if (c->no_udp_relay && c->no_tcp_relay)
		return "no-udp-relay and no-tcp-relay together leave no relay";
	if ((unsigned)c->allocation_default_address_family > CONF_FAMILY_KEEP)
		return "allocation-default-address-family must be ipv4, ipv6 or keep";
	if (c->bps_capacity && !c->max_bps)
		return "bps-capacity needs max-bps (what each allocation reserves)";
	return NULL;
}

/* Several nodes through Redis: frames are sealed, so a cluster needs its
 * secret (doc/cluster.md, the trust model). */
static const char *cluster_problem(const struct conf *c)
{
	bool clustered = c->redis.host[0] || c->redis_sentinels.n;

	if (c->redis.host[0] && c->redis_sentinels.n)
		return "redis and redis-sentinel exclude each other (sentinels name the "
		       "master)";
	if (c->redis_sentinels.n && (!c->redis_master_name || !c->redis_master_name[0]))
		return "redis-sentinel needs redis-master-name";
	if (c->cluster_secret && c->cluster_secret_file)
		return "cluster-secret and cluster-secret-file exclude each other";
	if (clustered && !c->cluster_secret && !c->cluster_secret_file)
		return c->redis.host[0]
			       ? "redis needs cluster-secret (or cluster-secret-file): "
				 "every node's frames are sealed with it"
			       : "redis-sentinel needs cluster-secret (or "
				 "cluster-secret-file): every node's frames are sealed "
				 "with it";
	if (c->cluster_secret && strlen(c->cluster_secret) < 16)
		return "cluster-secret must be at least 16 characters";
	return NULL;
}

int conf_validate(const struct conf *c, char *err, size_t errlen)
{
	char dummy[1];
	const char *problem;
	size_t bare = 0;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!c)
		return TR_EINVAL;
	if (validate_ranges(c, err, errlen) < 0)
		return TR_EINVAL;
	if (c->min_port > c->max_port) {
		snprintf(err, errlen, "min-port %u is above max-port %u", c->min_port,
			 c->max_port);
		return TR_EINVAL;
	}
	problem = auth_problem(c);
	for (size_t i = 0; i < c->external_ips.n; i++)
		bare += !c->external_ips.v[i].has_priv;
	if (!problem && c->no_udp && c->no_tcp)
		problem = "no-udp and no-tcp together leave no listener";
	if (!problem && !realm_ok(c->realm))
		problem = "realm must be 1 to 127 characters";
	if (!problem)
		problem = relay_mode_problem(c);
	if (!problem && bare > 1)
		problem = "a bare external-ip may be given only once";
	if (!problem && (unsigned)c->signaling_auth > CONF_SIGNALING_TOKEN)
		problem = "signaling-auth must be open, user or token";
	if (!problem)
		problem = cluster_problem(c);
	if (!problem && (!c->cert != !c->pkey))
		problem = "cert and pkey go together";
	if (!problem && c->signaling_auth == CONF_SIGNALING_TOKEN &&
	    (!c->signaling_secret || !c->signaling_secret[0]))
		problem = "signaling-auth=token needs signaling-secret";
	if (problem) {
		snprintf(err, errlen, "%s", problem);
		return TR_EINVAL;
	}
	return 0;
}
