/* Comparing two configs option by option, generically over the table: a
 * reload logs every changed option that needs a restart and keeps the
 * running value of it, so the config in force says what is really in
 * force. Each value kind brings equal/copy/show (conf_kinds). */
#include "conf/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "util/addr.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/peer_range.h"

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

static void bool_show(char *out, size_t len, const void *v, const struct conf_option *o)
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

static void uint_show(char *out, size_t len, const void *v, const struct conf_option *o)
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

static void char_show(char *out, size_t len, const void *v, const struct conf_option *o)
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

static void string_show(char *out, size_t len, const void *v, const struct conf_option *o)
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
static void list_show(char *out, size_t len, const void *v, const struct conf_option *o)
{
	const struct conf_list *l = v;
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%s", i ? "," : "",
				 l->items[i]);

		if (n < 0 || (size_t)n >= len - used) {
			if (len > 4)
				memcpy(out + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

/* The typed kinds (conf_kinds.c). Their elements are zeroed before they
 * are filled, so equal values compare equal byte for byte. */

static bool enum_equal(const void *a, const void *b)
{
	return *(const int *)a == *(const int *)b;
}

static int enum_copy(void *dst, const void *src)
{
	*(int *)dst = *(const int *)src;
	return 0;
}

static void enum_show(char *out, size_t len, const void *v, const struct conf_option *o)
{
	int value = *(const int *)v;

	snprintf(out, len, "%d", value);
	for (const struct conf_enum_name *e = o->enum_names; e && e->name; e++)
		if (e->value == value)
			snprintf(out, len, "%s", e->name);
}

static bool addr_equal_bytes(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct tr_addr));
}

static int addr_copy(void *dst, const void *src)
{
	memcpy(dst, src, sizeof(struct tr_addr));
	return 0;
}

static void addr_show(char *out, size_t len, const void *v, const struct conf_option *o)
{
	char ip[ADDR_STR_MAX];

	snprintf(out, len, "%s", addr_ip_to_str(v, ip, sizeof(ip)));
}

/* conf_addrs, conf_external_ips, conf_peer_ranges and conf_endpoints share
 * one layout: an array and its length. */
struct conf_array {
	void *v;
	size_t n;
};

static bool array_equal(const void *a, const void *b, size_t size)
{
	const struct conf_array *x = a, *y = b;

	return x->n == y->n && (!x->n || !memcmp(x->v, y->v, x->n * size));
}

static int array_copy(void *dst, const void *src, size_t size)
{
	const struct conf_array *from = src;
	struct conf_array *to = dst;
	void *copy = NULL;

	if (from->n) {
		copy = calloc(from->n, size);
		if (!copy)
			return TR_ENOMEM;
		memcpy(copy, from->v, from->n * size);
	}
	free(to->v);
	to->v = copy;
	to->n = from->n;
	return 0;
}

/* Appends item (", " between items), cut short with "..." when full. */
static void show_append(char *out, size_t len, size_t *used, const char *item)
{
	int n;

	if (*used >= len)
		return;
	n = snprintf(out + *used, len - *used, "%s%s", *used ? "," : "", item);
	if (n < 0 || (size_t)n >= len - *used) {
		if (len > 4)
			memcpy(out + len - 4, "...", 4);
		*used = len;
		return;
	}
	*used += (size_t)n;
}

static bool addrs_equal(const void *a, const void *b)
{
	return array_equal(a, b, sizeof(struct tr_addr));
}

static int addrs_copy(void *dst, const void *src)
{
	return array_copy(dst, src, sizeof(struct tr_addr));
}

static void addrs_show(char *out, size_t len, const void *v, const struct conf_option *o)
{
	const struct conf_addrs *l = v;
	char ip[ADDR_STR_MAX];
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		show_append(out, len, &used, addr_ip_to_str(&l->v[i], ip, sizeof(ip)));
}

static bool external_equal(const void *a, const void *b)
{
	return array_equal(a, b, sizeof(struct conf_external_ip));
}

static int external_copy(void *dst, const void *src)
{
	return array_copy(dst, src, sizeof(struct conf_external_ip));
}

static void external_show(char *out, size_t len, const void *v,
			  const struct conf_option *o)
{
	const struct conf_external_ips *l = v;
	char pub[ADDR_STR_MAX], priv[ADDR_STR_MAX], item[2 * ADDR_STR_MAX + 2];
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		const struct conf_external_ip *e = &l->v[i];

		addr_ip_to_str(&e->pub, pub, sizeof(pub));
		if (e->has_priv)
			snprintf(item, sizeof(item), "%s/%s", pub,
				 addr_ip_to_str(&e->priv, priv, sizeof(priv)));
		else
			snprintf(item, sizeof(item), "%s", pub);
		show_append(out, len, &used, item);
	}
}

static bool ranges_equal(const void *a, const void *b)
{
	return array_equal(a, b, sizeof(struct peer_range));
}

static int ranges_copy(void *dst, const void *src)
{
	return array_copy(dst, src, sizeof(struct peer_range));
}

static void ranges_show(char *out, size_t len, const void *v, const struct conf_option *o)
{
	const struct conf_peer_ranges *l = v;
	char item[PEER_RANGE_STR_MAX];
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		show_append(out, len, &used,
			    peer_range_to_str(&l->v[i], item, sizeof(item)));
}

/* alternate-server: "ip" when the port is listening-port's (0), else
 * "ip:port" / "[ipv6]:port". */
static void addr_ports_show(char *out, size_t len, const void *v,
			    const struct conf_option *o)
{
	const struct conf_addrs *l = v;
	char item[ADDR_STR_MAX];
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (addr_port(&l->v[i]))
			addr_to_str(&l->v[i], item, sizeof(item));
		else
			addr_ip_to_str(&l->v[i], item, sizeof(item));
		show_append(out, len, &used, item);
	}
}

static bool endpoint_equal(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct tr_endpoint));
}

static int endpoint_copy(void *dst, const void *src)
{
	memcpy(dst, src, sizeof(struct tr_endpoint));
	return 0;
}

static void endpoint_show(char *out, size_t len, const void *v,
			  const struct conf_option *o)
{
	addr_endpoint_to_str(v, out, len);
}

static bool endpoints_equal(const void *a, const void *b)
{
	return array_equal(a, b, sizeof(struct tr_endpoint));
}

static int endpoints_copy(void *dst, const void *src)
{
	return array_copy(dst, src, sizeof(struct tr_endpoint));
}

static void endpoints_show(char *out, size_t len, const void *v,
			   const struct conf_option *o)
{
	const struct conf_endpoints *l = v;
	char item[ADDR_ENDPOINT_STR_MAX];
	size_t used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		show_append(out, len, &used,
			    addr_endpoint_to_str(&l->v[i], item, sizeof(item)));
}

/* Indexed by enum conf_type; a kind without a value has no entry. */
static const struct conf_kind_ops conf_kinds[] = {
	[CONF_BOOL] = { bool_equal, bool_copy, bool_show },
	[CONF_UINT] = { uint_equal, uint_copy, uint_show },
	[CONF_STRING] = { string_equal, string_copy, string_show },
	[CONF_LIST] = { list_equal, list_copy, list_show },
	[CONF_CHAR] = { char_equal, char_copy, char_show },
	[CONF_ENUM] = { enum_equal, enum_copy, enum_show },
	[CONF_ADDR] = { addr_equal_bytes, addr_copy, addr_show },
	[CONF_ADDR_LIST] = { addrs_equal, addrs_copy, addrs_show },
	[CONF_EXTERNAL_IP] = { external_equal, external_copy, external_show },
	[CONF_PEER_RANGE] = { ranges_equal, ranges_copy, ranges_show },
	[CONF_ADDR_PORT_LIST] = { addrs_equal, addrs_copy, addr_ports_show },
	[CONF_ENDPOINT] = { endpoint_equal, endpoint_copy, endpoint_show },
	[CONF_ENDPOINT_LIST] = { endpoints_equal, endpoints_copy, endpoints_show },
};

const struct conf_kind_ops *conf_kind(enum conf_type t)
{
	if ((size_t)t >= sizeof(conf_kinds) / sizeof(conf_kinds[0]) ||
	    !conf_kinds[t].equal)
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

void conf_show_all(const struct conf *c, conf_show_fn fn, void *ctx)
{
	char buf[1024];

	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		const struct conf_kind_ops *k = conf_kind(o->type);

		if (!k || field_seen_before(i) || (o->flags & CONF_F_NOOP))
			continue;
		k->show(buf, sizeof(buf), (const char *)c + o->offset, o);
		if ((o->flags & CONF_F_SECRET) && buf[0]) {
			memset(buf, 0, sizeof(buf));
			snprintf(buf, sizeof(buf), "(set, not shown)");
		}
		fn(ctx, o->name, buf, (o->flags & CONF_F_RELOAD) != 0);
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
	ops->show(shown, sizeof(shown), old, o);
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
