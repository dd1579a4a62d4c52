/* Config files for the conf unit tests (test_conf, test_conf_kinds): a
 * text written to a temp file and read back, and the checks on the
 * "FILE:LINE: message" a bad one gets. Static inline: each test includes
 * what it uses. */
#ifndef TR_TEST_CONF_FILES_H
#define TR_TEST_CONF_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "harness.h"
#include "util/addr.h"
#include "util/errors.h"

/* Writes text to a fresh temp file; path receives its name. */
static inline void write_tmp(const char *text, char path[64])
{
	int fd;
	size_t n = strlen(text);

	snprintf(path, 64, "/tmp/test_conf_XXXXXX");
	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	CHECK(write(fd, text, n) == (ssize_t)n);
	close(fd);
}

/* Reads text as a config file into a fresh conf; *rc gets the result and
 * path the file name (already removed). Caller frees the conf. */
static inline struct conf *parse_text(const char *text, int *rc, char *err, char path[64])
{
	struct conf *c = conf_new();

	CHECK(c != NULL);
	write_tmp(text, path);
	err[0] = '\0';
	*rc = c ? conf_read_file(c, path, err, CONF_ERR_MAX) : TR_ENOMEM;
	unlink(path);
	return c;
}

/* Expects text to fail, with "FILE:line: " and want in the message. */
static inline void expect_error(const char *text, unsigned line, const char *want)
{
	char err[CONF_ERR_MAX], path[64], prefix[96];
	int rc;
	struct conf *c = parse_text(text, &rc, err, path);

	CHECK_EQ_INT(rc, TR_EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, want)) {
		fprintf(stderr, "  for %s  got \"%s\", wanted \"%s...%s\"\n", text, err,
			prefix, want);
		harness_failed_checks++;
	}
	conf_free(c);
}

/* Parses text that must succeed; caller frees. */
static inline struct conf *parse_ok(const char *text)
{
	char err[CONF_ERR_MAX], path[64];
	int rc;
	struct conf *c = parse_text(text, &rc, err, path);

	if (rc != 0) {
		fprintf(stderr, "  for %s  unexpected error: %s\n", text, err);
		harness_failed_checks++;
	}
	return c;
}

/* Whether a is the IP text with port (0 for an option's bare address). */
static inline bool addr_is(const struct tr_addr *a, const char *text, uint16_t port)
{
	struct tr_addr want;

	return addr_parse_ip(&want, text, port) == 0 && addr_equal(a, &want);
}

static inline bool ip_is(const struct tr_addr *a, const char *text)
{
	return addr_is(a, text, 0);
}

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

#endif
