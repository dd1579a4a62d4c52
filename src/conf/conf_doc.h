/* Longer documentation of options than their one-line help, for the man
 * page and the sample config that --print-options generates
 * (conf_print.c). Keyed by option name, apart from the option table so
 * that a row stays one line of help. Private to src/conf. */
#ifndef TR_CONF_DOC_H
#define TR_CONF_DOC_H

#include <stddef.h>

struct conf_doc {
	const char *name;   /* the option */
	const char *man;    /* roff body for turnroom.conf(5), default included; NULL: the
			       help */
	const char *sample; /* comment text for etc/turnroom.conf (unwrapped); NULL: the
			       help */
	const char *example; /* value shown in the sample instead of the default */
};

/* A group of options, starting at option `first` in table order. */
struct conf_section {
	const char *first;
	const char *title;        /* .SS title in the man page */
	const char *sample_title; /* NULL: title */
	const char
		*man_intro; /* roff paragraph(s) before the first option; may be NULL */
};

/* The entry of option name, or NULL. */
const struct conf_doc *conf_doc_find(const char *name);
/* The section that starts at option name, or NULL. */
const struct conf_section *conf_section_at(const char *name);

/* For the unit test: the tables and their lengths. */
extern const struct conf_doc conf_docs[];
extern const size_t conf_doc_count;
extern const struct conf_section conf_sections[];
extern const size_t conf_section_count;

#endif
