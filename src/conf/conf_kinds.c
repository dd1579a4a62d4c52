/* The typed kinds of the option table: enums, addresses, address lists,
 * external-ip pairs, peer ranges and host[:port] endpoints, parsed once at
 * load so that modules read struct tr_addr, enums, ranges and endpoints,
 * never the option text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

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

/* Digits only, 1-65535 (a port of 0 would mean "any"). */
static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return TR_EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return TR_EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return TR_EINVAL;
	*port = (unsigned)v;
	return 0;
}

/* A DNS name: dot-separated labels of 1-63 letters, digits, '-' or '_'
 * that neither start nor end with '-' (RFC 1123 section 2.1 host names,
 * plus the '_' container runtimes put in service names), 253 bytes at
 * most. */
static bool host_name_ok(const char *host)
{
	size_t n = strlen(host), label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char ch = host[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || host[i - 1] == '-')
				return false;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '_' ||
			   (ch == '-' && label)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* Splits "host:port", "[ipv6]:port" and, when the port may be left out,
 * "host", "ipv6" or "[ipv6]"; the host is copied without brackets and
 * must be a DNS name or an IP literal; brackets enclose IPv6 literals
 * only (RFC 3986 section 3.2.2), and a port after an IPv6 literal needs
 * them. port stays 0 when absent. ep is zeroed first (reload compares
 * endpoints byte for byte). */
static int split_host_port(const char *v, bool port_required, struct tr_endpoint *ep)
{
	const char *host = v, *port = NULL, *close, *colon = strchr(v, ':');
	size_t hl = strlen(v);
	struct tr_addr a;

	memset(ep, 0, sizeof(*ep));
	if (v[0] == '[') {
		close = strchr(v, ']');
		if (!close || (close[1] && close[1] != ':'))
			return TR_EINVAL;
		host = v + 1;
		hl = (size_t)(close - host);
		port = close[1] ? close + 2 : NULL;
	} else if (colon && !strchr(colon + 1, ':')) { /* one colon: host:port */
		hl = (size_t)(colon - v);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(ep->host) || (port_required && !port))
		return TR_EINVAL;
	memcpy(ep->host, host, hl);
	if (port && parse_port(port, &ep->port))
		return TR_EINVAL;
	if (addr_parse_ip(&a, ep->host, 0) == 0)
		return v[0] == '[' && addr_family(&a) != AF_INET6 ? TR_EINVAL : 0;
	return v[0] != '[' && host_name_ok(ep->host) ? 0 : TR_EINVAL;
}

/* redis: "host:port", "[ipv6]:port" or "unix:PATH". */
static int set_endpoint(struct tr_endpoint *ep, const char *v, char *why, size_t whylen)
{
	struct sockaddr_un un;
	struct tr_endpoint e;

	snprintf(why, whylen, "expected 'host:port', '[ipv6]:port' or 'unix:PATH'");
	if (!strncmp(v, "unix:", 5)) {
		memset(&e, 0, sizeof(e));
		if (!v[5] || strlen(v + 5) >= sizeof(un.sun_path))
			return TR_EINVAL;
		strcpy(e.host, v + 5);
		e.is_unix = true;
	} else if (split_host_port(v, true, &e)) {
		return TR_EINVAL;
	}
	*ep = e;
	return 0;
}

/* turn-servers: "host", "host:port", "ipv6", "[ipv6]" or "[ipv6]:port". */
static int set_endpoint_list(struct conf_endpoints *l, const char *v, char *why,
			     size_t whylen)
{
	struct tr_endpoint e;
	void *grown = l->v;
	int rc;

	if (split_host_port(v, false, &e)) {
		snprintf(why, whylen,
			 "expected 'host', 'host:port' or '[ipv6]:port' (port 1-65535)");
		return TR_EINVAL;
	}
	rc = push(&grown, &l->n, sizeof(e), &e);
	l->v = grown;
	return rc;
}

/* alternate-server: "ip", "ipv4:port" or "[ipv6]:port" (RFC 8489 section
 * 14.15: ALTERNATE-SERVER carries an address, not a name); port 0 stands
 * for listening-port, which may come later in the file. */
static int set_addr_port(struct conf_addrs *l, const char *v, char *why, size_t whylen)
{
	struct tr_endpoint e;
	struct tr_addr a;

	memset(&a, 0, sizeof(a));
	if (split_host_port(v, false, &e) ||
	    addr_parse_ip(&a, e.host, (uint16_t)e.port)) {
		snprintf(why, whylen, "expected 'ip', 'ipv4:port' or '[ipv6]:port'");
		return TR_EINVAL;
	}
	return conf_addrs_append(l, &a);
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
	case CONF_ADDR_PORT_LIST:
		return set_addr_port(slot, v, why, whylen);
	case CONF_ENDPOINT:
		return set_endpoint(slot, v, why, whylen);
	case CONF_ENDPOINT_LIST:
		return set_endpoint_list(slot, v, why, whylen);
	default:
		snprintf(why, whylen, "not a typed option");
		return TR_EINVAL;
	}
}

void conf_kind_free(void *slot, const struct conf_option *o)
{
	/* Every list kind is { pointer, count }; each is emptied by its type. */
	if (o->type == CONF_ADDR_LIST || o->type == CONF_ADDR_PORT_LIST) {
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
	} else if (o->type == CONF_ENDPOINT_LIST) {
		struct conf_endpoints *l = slot;

		free(l->v);
		*l = (struct conf_endpoints){ NULL, 0 };
	} else if (o->type == CONF_ENDPOINT) {
		memset(slot, 0, sizeof(struct tr_endpoint));
	}
}
