/* Comparing two configs option by option, generically over the table: a
 * reload logs every changed option that needs a restart and keeps the
 * running value of it, so the config in force says what is really in
 * force. Each value kind brings equal/copy/show (conf_kinds). */
#include "conf/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "util/errors.h"
#include "util/log.h"

/* ---- the kinds ---- */

static bool bool_equal(const void *a, const void *b)
{
	return *(const bool *)a == *(const bool *)b;
}

static int bool_copy(void *dst, const void *src)
{
	*(bool *)dst = *(const bool *)src;
	return 0;
}

static void bool_show(char *out, size_t len, const void *v)
{
	snprintf(out, len, "%s", *(const bool *)v ? "on" : "off");
}

static bool uint_equal(const void *a, const void *b)
{
	return *(const unsigned *)a == *(const unsigned *)b;
}

static int uint_copy(void *dst, const void *src)
{
	*(unsigned *)dst = *(const unsigned *)src;
	return 0;
}

static void uint_show(char *out, size_t len, const void *v)
{
	snprintf(out, len, "%u", *(const unsigned *)v);
}

static bool char_equal(const void *a, const void *b)
{
	return *(const char *)a == *(const char *)b;
}

static int char_copy(void *dst, const void *src)
{
	*(char *)dst = *(const char *)src;
	return 0;
}

static void char_show(char *out, size_t len, const void *v)
{
	snprintf(out, len, "%c", *(const char *)v);
}

static bool string_equal(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return x == y || (x && y && !strcmp(x, y));
}

static int string_copy(void *dst, const void *src)
{
	const char *from = *(char *const *)src;
	char *copy = from ? strdup(from) : NULL;

	if (from && !copy)
		return TR_ENOMEM;
	free(*(char **)dst);
	*(char **)dst = copy;
	return 0;
}

static void string_show(char *out, size_t len, const void *v)
{
	const char *s = *(char *const *)v;

	snprintf(out, len, "%s", s ? s : "");
}

static bool list_equal(const void *a, const void *b)
{
	const struct conf_list *x = a, *y = b;

	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->items[i], y->items[i]))
			return false;
	return true;
}

static void list_clear(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int list_copy(void *dst, const void *src)
{
	const struct conf_list *from = src;
	struct conf_list copy = { NULL, 0 };

	if (from->n) {
		copy.items = calloc(from->n, sizeof(*copy.items));
		if (!copy.items)
			return TR_ENOMEM;
	}
	for (; copy.n < from->n; copy.n++) {
		copy.items[copy.n] = strdup(from->items[copy.n]);
		if (!copy.items[copy.n]) {
			list_clear(&copy);
			return TR_ENOMEM;
		}
	}
	list_clear(dst);
	*(struct conf_list *)dst = copy;
	return 0;
}

/* "a,b,c", cut short with "..." when it does not fit. */
static void list_show(char *out, size_t len, const void *v)
{
	const struct conf_list *l = v;
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%s", i ? "," : "", l->items[i]);

		if (n < 0 || (size_t)n >= len - used) {
			if (len > 4)
				memcpy(out + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

/* Indexed by enum conf_type; a kind without a value has no entry. */
static const struct conf_kind_ops conf_kinds[] = {
	[CONF_BOOL] = { bool_equal, bool_copy, bool_show },
	[CONF_UINT] = { uint_equal, uint_copy, uint_show },
	[CONF_STRING] = { string_equal, string_copy, string_show },
	[CONF_LIST] = { list_equal, list_copy, list_show },
	[CONF_CHAR] = { char_equal, char_copy, char_show },
};

const struct conf_kind_ops *conf_kind(enum conf_type t)
{
	if ((size_t)t >= sizeof(conf_kinds) / sizeof(conf_kinds[0]) || !conf_kinds[t].equal)
		return NULL;
	return &conf_kinds[t];
}

/* ---- the walk ---- */

/* Whether an earlier row stores into the same field (an alias, or an
 * inverted twin such as no-loopback-peers). */
static bool field_seen_before(size_t idx)
{
	for (size_t j = 0; j < idx; j++)
		if (conf_options[j].type != CONF_UNIMPL &&
		    conf_options[j].offset == conf_options[idx].offset)
			return true;
	return false;
}

void conf_diff(const struct conf *a, const struct conf *b, conf_diff_fn fn, void *ctx)
{
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		const struct conf_kind_ops *k = conf_kind(o->type);

		if (!k || field_seen_before(i))
			continue;
		if (!k->equal((const char *)a + o->offset, (const char *)b + o->offset))
			fn(ctx, o);
	}
}

struct keep_ctx {
	const struct conf *running;
	struct conf *next;
	size_t kept;
	int rc;
};

static void keep_one(void *arg, const struct conf_option *o)
{
	struct keep_ctx *k = arg;
	const struct conf_kind_ops *ops = conf_kind(o->type);
	const void *old = (const char *)k->running + o->offset;
	char shown[256];

	if (o->flags & CONF_F_RELOAD)
		return;
	if (ops->copy((char *)k->next + o->offset, old) < 0) {
		k->rc = TR_ENOMEM;
		return;
	}
	k->kept++;
	if (o->flags & CONF_F_SECRET) {
		log_warn("reload: %s changed; needs a restart (keeping the old value)",
			 o->name);
		return;
	}
	ops->show(shown, sizeof(shown), old);
	log_warn("reload: %s changed; needs a restart (keeping %s)", o->name,
		 shown[0] ? shown : "none");
}

int conf_keep_restart_only(const struct conf *running, struct conf *next)
{
	struct keep_ctx k = { running, next, 0, 0 };

	if (!running || !next)
		return TR_EINVAL;
	conf_diff(running, next, keep_one, &k);
	return k.rc ? k.rc : (int)k.kept;
}
