#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"

/* See log.h for why this is the one file-scope state in the tree. */
static struct {
	FILE *fp;
	char *path;
	bool use_syslog;
	bool quiet; /* no-stdout-log with a file or syslog: nothing on stderr */
	enum log_level max_level;
	struct log_limit libevent; /* libevent's messages have no owner */
} sink = { NULL, NULL, false, false, LOG_LVL_INFO, { 0, 0, 0 } };

/* A sink opened by log_prepare, not yet in use. */
struct log_next {
	FILE *fp;
	char *path;
	bool use_syslog;
	bool quiet;
	enum log_level max_level;
};

static const char *const level_name[] = { "ERROR", "WARN", "INFO", "DEBUG" };
static const int level_syslog[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

static bool is_stderr_path(const char *path)
{
	return !path || !strcmp(path, "-") || !strcmp(path, "stdout");
}

static FILE *open_path(const char *path)
{
	if (is_stderr_path(path))
		return NULL;
	return fopen(path, "a");
}

void log_next_free(struct log_next *n)
{
	if (!n)
		return;
	if (n->fp)
		fclose(n->fp);
	free(n->path);
	free(n);
}

struct log_next *log_prepare(const char *path, bool use_syslog, bool no_stdout,
			     enum log_level max_level)
{
	struct log_next *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->use_syslog = use_syslog;
	n->max_level = max_level;
	if (!is_stderr_path(path)) {
		n->path = strdup(path);
		n->fp = open_path(path);
		if (!n->path || !n->fp) {
			log_next_free(n);
			return NULL;
		}
		setvbuf(n->fp, NULL, _IOLBF, 0);
	}
	/* With neither a file nor syslog the lines would go nowhere: stderr
	 * stays (the caller says so). */
	n->quiet = no_stdout && (n->fp || use_syslog);
	return n;
}

void log_commit(struct log_next *n)
{
	bool had_syslog = sink.use_syslog;

	if (sink.fp)
		fclose(sink.fp);
	free(sink.path);
	sink.fp = n->fp;
	sink.path = n->path;
	sink.use_syslog = n->use_syslog;
	sink.quiet = n->quiet;
	sink.max_level = n->max_level;
	if (had_syslog && !n->use_syslog)
		closelog();
	else if (!had_syslog && n->use_syslog)
		openlog("turnroom", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	free(n);
}

bool log_quiet_without_target(bool no_stdout, const char *path, bool use_syslog)
{
	return no_stdout && is_stderr_path(path) && !use_syslog;
}

int log_open(const char *path, bool use_syslog, enum log_level max_level)
{
	struct log_next *n;

	log_close();
	sink.max_level = max_level;
	n = log_prepare(path, use_syslog, false, max_level);
	if (!n)
		return TR_EIO;
	log_commit(n);
	return 0;
}

int log_reopen(void)
{
	FILE *fp;

	if (!sink.path)
		return 0;
	fp = open_path(sink.path);
	if (!fp)
		return TR_EIO;
	setvbuf(fp, NULL, _IOLBF, 0);
	if (sink.fp)
		fclose(sink.fp);
	sink.fp = fp;
	return 0;
}

void log_close(void)
{
	if (sink.fp)
		fclose(sink.fp);
	if (sink.use_syslog)
		closelog();
	free(sink.path);
	sink.fp = NULL;
	sink.path = NULL;
	sink.use_syslog = false;
	sink.quiet = false;
}

bool log_enabled(enum log_level level)
{
	return level <= sink.max_level;
}

/* A backstop for a client string that reached a log call unescaped: no
 * line may hold a control byte (a CR or LF would forge a line). */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return true;
	return false;
}

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	char raw[1024], safe[2048], stamp[32];
	const char *msg = raw;
	struct timespec ts;
	struct tm tm;
	va_list ap;
	const char *base = strrchr(file, '/');

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (has_control(raw))
		msg = esc_str(safe, sizeof(safe), raw);
	base = base ? base + 1 : file;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (sink.fp || !sink.quiet)
		fprintf(sink.fp ? sink.fp : stderr, "%s.%03ld %s %s:%d: %s\n", stamp,
			ts.tv_nsec / 1000000, level_name[level], base, line, msg);
	if (sink.use_syslog)
		syslog(level_syslog[level], "%s %s:%d: %s", level_name[level], base, line,
		       msg);
}

bool log_limit_allow(struct log_limit *l, const char *file, int line)
{
	uint64_t now = clock_mono_ms();

	if (now - l->window_ms >= 1000) {
		unsigned long left_out = l->suppressed;

		l->window_ms = now;
		l->lines = 0;
		l->suppressed = 0;
		if (left_out)
			log_write(LOG_LVL_WARN, file, line,
				  "%lu similar message(s) suppressed", left_out);
	}
	if (l->lines < LOG_LIMIT_PER_SEC) {
		l->lines++;
		return true;
	}
	l->suppressed++;
	return false;
}

static void libevent_log_cb(int severity, const char *msg)
{
	enum log_level level = severity >= EVENT_LOG_ERR    ? LOG_LVL_ERR
			       : severity == EVENT_LOG_WARN ? LOG_LVL_WARN
			       : severity == EVENT_LOG_MSG  ? LOG_LVL_INFO
							    : LOG_LVL_DEBUG;

	if (!log_enabled(level) || !log_limit_allow(&sink.libevent, "libevent", 0))
		return;
	log_write(level, "libevent", 0, "%s", msg);
}

void log_route_libevent(void)
{
	event_set_log_callback(libevent_log_cb);
}
