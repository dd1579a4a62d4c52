/* Logging. The sink (stderr, a file, syslog) is the one piece of
 * process-wide state outside the server context: a log line must be
 * writable from anywhere, including before the context exists. */
#ifndef TR_LOG_H
#define TR_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Opens the sink: path NULL or "-" or "stdout" means stderr.
 * use_syslog sends lines to syslog too. Returns 0 or TR_EIO. */
int log_open(const char *path, bool use_syslog, enum log_level max_level);
/* Changing the sink in two phases (a reload): log_prepare opens what
 * path names (NULL, "-" or "stdout": standard error) and fails, returning
 * NULL, when it cannot; log_commit puts it in use at once and cannot fail
 * (takes ownership). no_stdout (no-stdout-log): no lines on standard error
 * when a file or syslog takes them; with neither, standard error stays. */
struct log_next;
struct log_next *log_prepare(const char *path, bool use_syslog, bool no_stdout,
			     enum log_level max_level);
void log_commit(struct log_next *n);
/* A prepared sink not committed. NULL: no-op. */
void log_next_free(struct log_next *n);
/* Whether no-stdout-log is asked for with nowhere else to log (then
 * ignored: the lines stay on standard error). */
bool log_quiet_without_target(bool no_stdout, const char *path, bool use_syslog);
/* Reopens the file (logrotate). */
int log_reopen(void);
void log_close(void);
bool log_enabled(enum log_level level);

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A budget of lines for one decision made per packet or per connection
 * (a flood must not become a log flood): LOG_LIMIT_PER_SEC lines a second,
 * then one line saying how many were left out. Zero-initialise; owned by
 * whoever makes the decision. */
#define LOG_LIMIT_PER_SEC 5
struct log_limit {
	uint64_t window_ms;
	unsigned lines;
	unsigned long suppressed;
};

/* Whether one more line may be written now; says what was suppressed
 * when a new second starts. */
bool log_limit_allow(struct log_limit *l, const char *file, int line);

/* libevent's own messages (accept errors, ...) go through this logger,
 * rate-limited; its debug messages only with verbose. */
void log_route_libevent(void);

#define log_err(...) log_write(LOG_LVL_ERR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...)                                                                   \
	do {                                                                             \
		if (log_enabled(LOG_LVL_DEBUG))                                          \
			log_write(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__);       \
	} while (0)

#define log_warn_limited(lim, ...)                                                       \
	do {                                                                             \
		if (log_limit_allow((lim), __FILE__, __LINE__))                          \
			log_write(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__);        \
	} while (0)
#define log_info_limited(lim, ...)                                                       \
	do {                                                                             \
		if (log_enabled(LOG_LVL_INFO) &&                                         \
		    log_limit_allow((lim), __FILE__, __LINE__))                          \
			log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__);        \
	} while (0)

#endif
