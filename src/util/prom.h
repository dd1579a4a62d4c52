/* The Prometheus text exposition format (version 0.0.4), written onto an
 * evbuffer: one writer for every module's /metrics lines. */
#ifndef TR_PROM_H
#define TR_PROM_H

#include <stdint.h>

struct evbuffer;

/* The "# HELP" and "# TYPE" lines of a family, written once before its
 * samples. type is "counter" or "gauge"; help is escaped as the format
 * asks (backslash and line feed). */
void prom_family(struct evbuffer *out, const char *name, const char *type,
		 const char *help);
/* One sample line: `name value`, or `name{label="lvalue"} value` when
 * label is not NULL; lvalue is escaped (backslash, double quote, line
 * feed), so any text may stand there. */
void prom_sample(struct evbuffer *out, const char *name, const char *label,
		 const char *lvalue, uint64_t value);
/* A family of one sample without labels. */
void prom_metric(struct evbuffer *out, const char *name, const char *type,
		 const char *help, uint64_t value);

#endif
