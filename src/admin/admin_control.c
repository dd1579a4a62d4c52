/* Live control of a running turnroom over its unix control socket.
 *
 * The protocol: connect, send one line ("sessions", "disconnect USER",
 * "reload" or "status"); the server answers lines of text, then a last
 * line "OK" or "ERR message", and closes. The lines before the last are
 * the answer and go to stdout. */
#include "admin/admin_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A server that accepts but never answers must not hang a script. */
#define CONTROL_TIMEOUT_S 10
/* "disconnect " + a user name of at most 512 bytes + "\n", with room. */
#define CONTROL_LINE_MAX 1024

/* A connected socket, or -1 with errno set. */
static int control_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { CONTROL_TIMEOUT_S, 0 };
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Sends the whole request; MSG_NOSIGNAL: a server gone away is an error
 * to report, not a SIGPIPE. 0 or -1 with errno. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Interprets the last line: 0 on "OK", 1 with the message on "ERR". */
static int control_verdict(const char *path, char *last)
{
	size_t n = last ? strlen(last) : 0;

	while (n && (last[n - 1] == '\n' || last[n - 1] == '\r'))
		last[--n] = '\0';
	if (last && !strcmp(last, "OK"))
		return 0;
	if (last && !strncmp(last, "ERR", 3) && (!last[3] || last[3] == ' '))
		return admin_fail("%s",
				  last[3] ? last + 4 : "the server refused the request");
	/* No verdict: the last line was part of the answer after all. */
	if (last && *last)
		printf("%s\n", last);
	return admin_fail("turnroom at %s closed the connection without an answer", path);
}

/* Reads the answer to the end: every line but the last to stdout (held
 * back one line, since only the end of the stream says which is last). */
static int control_read(int fd, const char *path)
{
	FILE *in = fdopen(fd, "r");
	char *line = NULL, *held = NULL;
	size_t cap = 0;
	int rc;

	if (!in) {
		close(fd);
		return admin_fail("out of memory");
	}
	errno = 0;
	while (getline(&line, &cap, in) >= 0) {
		if (held && fputs(held, stdout) == EOF)
			break;
		free(held);
		held = line;
		line = NULL;
		cap = 0;
	}
	if (ferror(in))
		rc = admin_fail("no answer from turnroom at %s: %s", path,
				errno == EAGAIN ? "timed out" : strerror(errno));
	else
		rc = control_verdict(path, held);
	if (fflush(stdout) != 0 && rc == 0)
		rc = admin_fail("cannot write the answer");
	free(line);
	free(held);
	fclose(in);
	return rc;
}

int admin_cmd_control(struct admin_ctx *ctx)
{
	const char *path = ctx->socket ? ctx->socket : ADMIN_DEFAULT_SOCKET;
	const char *user = ctx->cmd->needs & ADMIN_NEED_VALUE ? ctx->value : NULL;
	char req[CONTROL_LINE_MAX];
	int fd, n;

	/* One request per line: a user name cannot carry another. */
	if (user && strpbrk(user, "\r\n"))
		return admin_fail("--disconnect: the user name contains a line break");
	n = snprintf(req, sizeof(req), "%s%s%s\n", ctx->cmd->control_line,
		     user ? " " : "", user ? user : "");
	if (n < 0 || (size_t)n >= sizeof(req))
		return admin_fail("--disconnect: the user name is too long");
	fd = control_connect(path);
	if (fd < 0)
		return admin_fail("cannot reach turnroom at %s: %s", path,
				  strerror(errno));
	if (send_all(fd, req, (size_t)n) < 0) {
		admin_fail("cannot reach turnroom at %s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	return control_read(fd, path);
}
