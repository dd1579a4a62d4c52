/* The typed kinds of the option table: enums, addresses, address lists,
 * external-ip pairs and peer ranges, parsed once at load so that modules
 * read struct tr_addr, enums and ranges, never the option text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_internal.h"
#include "util/errors.h"

_Static_assert(sizeof(enum conf_family) == sizeof(int), "ENUM options are stored as int");
_Static_assert(sizeof(enum conf_signaling_auth) == sizeof(int),
	       "ENUM options are stored as int");

#define EXPECT_IP "expected an IP address"

/* Appends the size bytes at elem to the array *v of *n elements. 0 or
 * TR_ENOMEM (nothing changed). */
static int push(void **v, size_t *n, size_t size, const void *elem)
{
	char *bigger = realloc(*v, (*n + 1) * size);

	if (!bigger)
		return TR_ENOMEM;
	memcpy(bigger + *n * size, elem, size);
	*v = bigger;
	(*n)++;
	return 0;
}

int conf_addrs_append(struct conf_addrs *l, const struct tr_addr *a)
{
	void *v = l->v;
	int rc = push(&v, &l->n, sizeof(*a), a);

	l->v = v;
	return rc;
}

char *conf_enum_text(const struct conf_option *o, char *buf, size_t buflen)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct conf_enum_name *e = o->enum_names; e && e->name; e++) {
		int n = snprintf(buf + used, buflen - used, "%s%s", used ? "|" : "",
				 e->name);

		if (n < 0 || (size_t)n >= buflen - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

static int set_enum(int *slot, const struct conf_option *o, const char *v, char *why,
		    size_t whylen)
{
	char names[128];

	for (const struct conf_enum_name *e = o->enum_names; e && e->name; e++) {
		if (!strcmp(e->name, v)) {
			*slot = e->value;
			return 0;
		}
	}
	snprintf(why, whylen, "expected one of %s",
		 conf_enum_text(o, names, sizeof(names)));
	return TR_EINVAL;
}

/* "pub" or "pub/priv", both of one family; a bare one at most once (it
 * maps every relay address of its family, so a second would be ambiguous). */
static int set_external(struct conf_external_ips *l, const char *v, char *why,
			size_t whylen)
{
	char buf[2 * (ADDR_STR_MAX + 2)];
	struct conf_external_ip e;
	const char *slash = strchr(v, '/');
	size_t publen = slash ? (size_t)(slash - v) : strlen(v);
	void *grown = l->v;
	int rc;

	/* Zeroed whole, padding too: reload may compare lists with memcmp. */
	memset(&e, 0, sizeof(e));
	snprintf(why, whylen, "expected 'ip' or 'ip/ip' of one address family");
	if (publen == 0 || publen >= sizeof(buf))
		return TR_EINVAL;
	memcpy(buf, v, publen);
	buf[publen] = '\0';
	if (addr_parse_ip(&e.pub, buf, 0) < 0 ||
	    (slash && addr_parse_ip(&e.priv, slash + 1, 0) < 0))
		return TR_EINVAL;
	e.has_priv = slash != NULL;
	if (e.has_priv && addr_family(&e.pub) != addr_family(&e.priv))
		return TR_EINVAL;
	for (size_t i = 0; !e.has_priv && i < l->n; i++) {
		if (!l->v[i].has_priv) {
			snprintf(why, whylen,
				 "a bare external-ip may be given only once; "
				 "use pub/priv pairs for more");
			return TR_EINVAL;
		}
	}
	rc = push(&grown, &l->n, sizeof(e), &e);
	l->v = grown;
	return rc;
}

static int set_peer_range(struct conf_peer_ranges *l, const char *v, char *why,
			  size_t whylen)
{
	struct peer_range r;
	void *grown = l->v;
	int rc;

	if (peer_range_parse(v, &r) < 0) {
		snprintf(why, whylen, "expected 'ip', 'ip-ip' or 'ip/prefix'");
		return TR_EINVAL;
	}
	rc = push(&grown, &l->n, sizeof(r), &r);
	l->v = grown;
	return rc;
}

int conf_kind_apply(void *slot, const struct conf_option *o, const char *v, char *why,
		    size_t whylen)
{
	struct tr_addr a;

	switch (o->type) {
	case CONF_ENUM:
		return set_enum(slot, o, v, why, whylen);
	case CONF_ADDR:
	case CONF_ADDR_LIST:
		if (addr_parse_ip(&a, v, 0) < 0) {
			snprintf(why, whylen, EXPECT_IP);
			return TR_EINVAL;
		}
		if (o->type == CONF_ADDR_LIST)
			return conf_addrs_append(slot, &a);
		*(struct tr_addr *)slot = a;
		return 0;
	case CONF_EXTERNAL_IP:
		return set_external(slot, v, why, whylen);
	case CONF_PEER_RANGE:
		return set_peer_range(slot, v, why, whylen);
	default:
		snprintf(why, whylen, "not a typed option");
		return TR_EINVAL;
	}
}

void conf_kind_free(void *slot, const struct conf_option *o)
{
	/* Every list kind is { pointer, count }; each is emptied by its type. */
	if (o->type == CONF_ADDR_LIST) {
		struct conf_addrs *l = slot;

		free(l->v);
		*l = (struct conf_addrs){ NULL, 0 };
	} else if (o->type == CONF_EXTERNAL_IP) {
		struct conf_external_ips *l = slot;

		free(l->v);
		*l = (struct conf_external_ips){ NULL, 0 };
	} else if (o->type == CONF_PEER_RANGE) {
		struct conf_peer_ranges *l = slot;

		free(l->v);
		*l = (struct conf_peer_ranges){ NULL, 0 };
	}
}
