/* --print-options=man|sample: the OPTIONS section of turnroom.conf(5) and
 * the body of etc/turnroom.conf, generated from the option table at build
 * time so that neither is a hand copy. An option's text is its one-line
 * help with its range and default, or the longer text of conf_doc.c;
 * whether SIGHUP applies it comes from the table's CONF_F_RELOAD. */
#include "conf/conf.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf_doc.h"
#include "conf/conf_internal.h"
#include "util/errors.h"

/* "No particular limit" in conf_table.c: no upper bound worth printing. */
#define NO_LIMIT 2147483647u

/* The sample's comment lines stop at this column. */
#define SAMPLE_WIDTH 78

static const char *when_text(const struct conf_option *o)
{
	if (o->type == CONF_UNIMPL || (o->flags & CONF_F_NOOP))
		return "Accepted, no effect.";
	return (o->flags & CONF_F_RELOAD) ? "Applied on reload." : "Needs a restart.";
}

/* roff: a hyphen is \-, a backslash \\ (man-pages(7)). */
static void roff_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\\\", out);
		else
			fputc(*s, out);
	}
}

/* " Range 1-65535." or " At least 1." (dash: the range separator). */
static void range_text(char *out, size_t len, const struct conf_option *o,
		       const char *dash)
{
	out[0] = '\0';
	if (o->type != CONF_UINT || (o->flags & CONF_F_ALIAS))
		return;
	if (o->max == NO_LIMIT) {
		if (o->min)
			snprintf(out, len, " At least %u.", o->min);
		return;
	}
	snprintf(out, len, " Range %u%s%u.", o->min, dash, o->max);
}

/* ---- the man page ---- */

static void man_heading(FILE *out, const struct conf_option *o)
{
	fputs(".TP\n\\fB", out);
	roff_escape(out, o->name);
	fputs("\\fR", out);
	if (o->metavar && o->type != CONF_BOOL) {
		bool arg = conf_option_needs_value(o);

		fputs(arg ? "=\\fI" : "[=\\fI", out);
		roff_escape(out, o->metavar);
		fputs(arg ? "\\fR" : "\\fR]", out);
	}
	if (o->short_opt)
		fprintf(out, " (\\fB\\-%c\\fR)", o->short_opt);
	fputc('\n', out);
}

static void man_option(FILE *out, const struct conf_option *o)
{
	const struct conf_doc *d = conf_doc_find(o->name);
	char range[64];

	man_heading(out, o);
	if (d && d->man) {
		fprintf(out, "%s\n", d->man);
	} else {
		roff_escape(out, o->help);
		range_text(range, sizeof(range), o, "\\(en");
		fputs(range, out);
		if (o->default_text) {
			fputs(" Default: ", out);
			roff_escape(out, o->default_text);
			fputc('.', out);
		}
		fputc('\n', out);
	}
	fprintf(out, "%s\n", when_text(o));
}

static void man_unimplemented(FILE *out)
{
	size_t col = 0;

	fputs(".SH COTURN OPTIONS ACCEPTED WITH A WARNING\n"
	      "These coturn options are known to\n.B turnroom\n"
	      "but not implemented (yet).\n"
	      "They are accepted, in the file and on the command line, and ignored, with\n"
	      "one warning per option; the short forms in parentheses are coturn's.\n.PP\n",
	      out);
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->type != CONF_UNIMPL)
			continue;
		if (col) {
			fputs(col > 60 ? ",\n" : ", ", out);
			col = col > 60 ? 0 : col + 2;
		}
		fputs("\\fB", out);
		roff_escape(out, o->name);
		fputs("\\fR", out);
		col += strlen(o->name) + 6;
		if (o->short_opt) {
			fprintf(out, " (\\-%c)", o->short_opt);
			col += 6;
		}
	}
	fputs(".\n", out);
}

static void print_man(FILE *out)
{
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		const struct conf_section *sec = conf_section_at(o->name);

		if (o->type == CONF_UNIMPL)
			continue;
		if (sec) {
			fprintf(out, ".SS %s\n", sec->title);
			if (sec->man_intro)
				fprintf(out, "%s\n", sec->man_intro);
		}
		man_option(out, o);
	}
}

/* ---- the sample config ---- */

/* text as "# " comment lines of at most SAMPLE_WIDTH columns. */
static void sample_wrap(FILE *out, const char *text)
{
	size_t col = 0;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col && col + 1 + word > SAMPLE_WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		if (!col) {
			fputc('#', out);
			col = 1;
		}
		fprintf(out, " %.*s", (int)word, text);
		col += 1 + word;
		text += word;
		text += strspn(text, " ");
	}
	if (col)
		fputc('\n', out);
}

static void sample_option(FILE *out, const struct conf_option *o)
{
	const struct conf_doc *d = conf_doc_find(o->name);
	const char *value = o->default_text;
	char text[1024], range[64], cmd[96] = "";

	if (o->short_opt)
		snprintf(cmd, sizeof(cmd), " Command line: -%c or --%s.", o->short_opt,
			 o->name);
	range_text(range, sizeof(range), o, "-");
	if (d && d->sample)
		snprintf(text, sizeof(text), "%s %s", d->sample, when_text(o));
	else
		snprintf(text, sizeof(text), "%s%s%s %s", o->help, cmd, range,
			 when_text(o));
	sample_wrap(out, text);
	if (d && d->example)
		value = d->example;
	if (o->type == CONF_BOOL && !value)
		fprintf(out, "#%s\n\n", o->name);
	else
		fprintf(out, "#%s=%s\n\n", o->name,
			value ? value : (o->metavar ? o->metavar : ""));
}

static void sample_unimplemented(FILE *out)
{
	char line[SAMPLE_WIDTH + 1] = "#  ";

	fputs("########## coturn options accepted with a warning\n"
	      "# So that an existing coturn turnserver.conf keeps starting, these coturn\n"
	      "# options are accepted and ignored, with one warning per option naming it\n"
	      "# and its FILE:LINE. Any other unknown option is an error.\n",
	      out);
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];

		if (o->type != CONF_UNIMPL)
			continue;
		if (strlen(line) + 1 + strlen(o->name) > SAMPLE_WIDTH) {
			fprintf(out, "%s\n", line);
			snprintf(line, sizeof(line), "#  ");
		}
		strcat(line, " ");
		strncat(line, o->name, sizeof(line) - strlen(line) - 1);
	}
	fprintf(out, "%s\n", line);
}

static void print_sample(FILE *out)
{
	for (size_t i = 0; i < conf_option_count; i++) {
		const struct conf_option *o = &conf_options[i];
		const struct conf_section *sec = conf_section_at(o->name);

		if (o->type == CONF_UNIMPL)
			continue;
		if (sec)
			fprintf(out, "########## %s\n\n",
				sec->sample_title ? sec->sample_title : sec->title);
		sample_option(out, o);
	}
	sample_unimplemented(out);
}

int conf_print_options(FILE *out, const char *what)
{
	if (!strcmp(what, "man")) {
		print_man(out);
		return 0;
	}
	if (!strcmp(what, "man-unimplemented")) {
		man_unimplemented(out);
		return 0;
	}
	if (!strcmp(what, "sample")) {
		print_sample(out);
		return 0;
	}
	return TR_EINVAL;
}
