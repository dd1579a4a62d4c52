/* See prom.h. The format: prometheus.io/docs/instrumenting/exposition_formats. */
#include <string.h>

#include <event2/buffer.h>

#include "util/prom.h"

/* Writes s with each byte of `special` as a backslash escape (a line feed
 * as \n). The common case, nothing to escape, is one copy. */
static void add_escaped(struct evbuffer *out, const char *s, const char *special)
{
	size_t run;

	while (*s) {
		run = strcspn(s, special);
		evbuffer_add(out, s, run);
		s += run;
		if (!*s)
			break;
		evbuffer_add(out, *s == '\n' ? "\\n" : *s == '\\' ? "\\\\" : "\\\"", 2);
		s++;
	}
}

void prom_family(struct evbuffer *out, const char *name, const char *type,
		 const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	add_escaped(out, help, "\\\n");
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

void prom_sample(struct evbuffer *out, const char *name, const char *label,
		 const char *lvalue, uint64_t value)
{
	if (label) {
		evbuffer_add_printf(out, "%s{%s=\"", name, label);
		add_escaped(out, lvalue, "\\\"\n");
		evbuffer_add_printf(out, "\"} %llu\n", (unsigned long long)value);
	} else {
		evbuffer_add_printf(out, "%s %llu\n", name, (unsigned long long)value);
	}
}

void prom_metric(struct evbuffer *out, const char *name, const char *type,
		 const char *help, uint64_t value)
{
	prom_family(out, name, type, help);
	prom_sample(out, name, NULL, NULL, value);
}
