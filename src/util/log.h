/* Logging. The sink (stderr, a file, syslog) is the one piece of
 * process-wide state outside the server context: a log line must be
 * writable from anywhere, including before the context exists. */
#ifndef TR_LOG_H
#define TR_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Opens the sink: path NULL or "-" or "stdout" means stderr.
 * use_syslog sends lines to syslog too. Returns 0 or TR_EIO. */
int log_open(const char *path, bool use_syslog, enum log_level max_level);
/* Reopens the file (logrotate). */
int log_reopen(void);
void log_close(void);
bool log_enabled(enum log_level level);

void log_write(enum log_level level, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_err(...) log_write(LOG_LVL_ERR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) log_write(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...)                                                        \
	do {                                                                  \
		if (log_enabled(LOG_LVL_DEBUG))                               \
			log_write(LOG_LVL_DEBUG, __FILE__, __LINE__,          \
				  __VA_ARGS__);                               \
	} while (0)

#endif
