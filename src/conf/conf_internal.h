/* The option table shared by the parser (conf_parse.c) and the help text
 * (conf_table.c). Private to src/conf and its unit test. */
#ifndef TR_CONF_INTERNAL_H
#define TR_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

enum conf_type {
	CONF_BOOL,   /* bool; bare flag = true */
	CONF_UINT,   /* unsigned, decimal, range-checked with min/max */
	CONF_STRING, /* char *, strdup'd; last one wins */
	CONF_LIST,   /* struct conf_list; every occurrence appends */
	CONF_CHAR,   /* char; exactly one character */
	/* typed kinds, parsed once (conf_kinds.c) */
	CONF_ENUM,           /* a C enum stored as int; names from the row's enum_names */
	CONF_ADDR,           /* struct tr_addr: one IP literal, port 0 */
	CONF_ADDR_LIST,      /* struct conf_addrs; every occurrence appends */
	CONF_EXTERNAL_IP,    /* struct conf_external_ips: "pub" once or "pub/priv" */
	CONF_PEER_RANGE,     /* struct conf_peer_ranges: "ip", "ip-ip" or "ip/prefix" */
	CONF_ADDR_PORT_LIST, /* struct conf_addrs: "ip", "ipv4:port", "[ipv6]:port";
				port 0 = listening-port; every occurrence appends */
	CONF_ENDPOINT,       /* struct tr_endpoint: "host:port" or "unix:PATH" */
	CONF_ENDPOINT_LIST,  /* struct conf_endpoints: "host[:port]"; appends */
	CONF_UNIMPL          /* a coturn option we accept with one warning, no effect */
};

enum conf_flag {
	CONF_F_INVERT = 1 << 0,       /* BOOL: stores the negation (no-loopback-peers) */
	CONF_F_BARE_DEFAULT = 1 << 1, /* UINT: a bare key means default_text */
	CONF_F_ALIAS = 1 << 2,        /* another name for the option before it */
	CONF_F_ARG = 1 << 3,          /* UNIMPL: takes a value on the command line */
	CONF_F_CHECK_USER = 1 << 7,   /* LIST: "name:password" or "name:0x<key>" */
	CONF_F_SECRET = 1 << 8,       /* never echoed in messages or logs */
	/* Applied by SIGHUP. Without it the option needs a restart: a reload
	 * logs the change and keeps the running value (conf_keep_restart_only). */
	CONF_F_RELOAD = 1 << 9,
	/* Accepted for coturn configs, no effect here; --help says so. */
	CONF_F_NOOP = 1 << 10,
	CONF_F_CHECK_ID = 1 << 11 /* STRING: 1-CONF_NODE_ID_MAX of [A-Za-z0-9._-] */
};

/* One value of an ENUM option; a row's list ends with a NULL name. */
struct conf_enum_name {
	const char *name;
	int value;
};

struct conf_option {
	const char *name; /* long name, as in turnserver.conf */
	char short_opt;   /* 0 when none */
	enum conf_type type;
	size_t offset;            /* offsetof(struct conf, field); unused for UNIMPL */
	const char *default_text; /* parsed by conf_new; NULL = zero/empty */
	unsigned min, max;        /* UINT range */
	unsigned flags;           /* enum conf_flag */
	const char *metavar;      /* value placeholder in --help; NULL for flags */
	const char *help;         /* one line */
	const struct conf_enum_name *enum_names; /* ENUM only; static */
};

/* The table, in --help order, and its length. Static data; never NULL. */
extern const struct conf_option conf_options[];
extern const size_t conf_option_count;

/* The entry named name (exact, case-sensitive as in coturn), or NULL. */
const struct conf_option *conf_option_find(const char *name);
/* The entry for short flag ch, or NULL. */
const struct conf_option *conf_option_find_short(char ch);

/* Whether the option needs a value (false for BOOL, bare-default UINT and
 * value-less UNIMPL options, which take one only as --name=value). */
bool conf_option_needs_value(const struct conf_option *o);

/* conf_kinds.c: the typed kinds. Parses v into slot, the field of o.
 * Returns 0; TR_EINVAL with what was expected in why (for the "bad
 * value" message); or TR_ENOMEM. */
int conf_kind_apply(void *slot, const struct conf_option *o, const char *v, char *why,
		    size_t whylen);
/* Frees what a typed kind allocated in slot and empties it. */
void conf_kind_free(void *slot, const struct conf_option *o);
/* Appends a (copied) to l. 0 or TR_ENOMEM. */
int conf_addrs_append(struct conf_addrs *l, const struct tr_addr *a);
/* "open|user|token": the names of an ENUM option, into buf. Returns buf. */
char *conf_enum_text(const struct conf_option *o, char *buf, size_t buflen);
/* "[reload]", "[restart]" or, for coturn options without effect here,
 * "[accepted, no effect]" (0x1f: a space --help does not break at). */
const char *conf_option_when(const struct conf_option *o);

/* What the generic walks (reload diff, copy, docs) need of one value kind.
 * A new enum conf_type is one entry in conf_kinds (conf_diff.c); the unit
 * test checks that every kind in the table has one. */
struct conf_kind_ops {
	/* Whether the two values at a and b (fields of two configs) agree. */
	bool (*equal)(const void *a, const void *b);
	/* Replaces the value at dst with a deep copy of src's; dst's old
	 * value is freed. 0 or TR_ENOMEM (dst then unchanged). */
	int (*copy)(void *dst, const void *src);
	/* The value as config text ("on", "3478", "a,b"; "" when empty). */
	void (*show)(char *out, size_t len, const void *v, const struct conf_option *o);
};

/* The operations of kind t, or NULL for a kind without a value (UNIMPL). */
const struct conf_kind_ops *conf_kind(enum conf_type t);

/* Calls fn for every option whose value differs between a and b, once per
 * field (aliases and inverted twins are skipped). */
typedef void (*conf_diff_fn)(void *ctx, const struct conf_option *o);
void conf_diff(const struct conf *a, const struct conf *b, conf_diff_fn fn, void *ctx);

#endif
