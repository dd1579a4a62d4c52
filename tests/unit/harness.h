/* A tiny assert harness: each test_*.c defines test functions and a main
 * that runs them with RUN(); the exit status is the number of failures.
 * Output is TAP (the Test Anything Protocol automake's tap-driver.sh reads,
 * so `make check` counts every test function): one "ok N - name" or
 * "not ok N - name" line per test, the plan "1..N" at the end; the failed
 * checks themselves go to stderr. */
#ifndef TR_HARNESS_H
#define TR_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failed_checks;
static int harness_tests_passed, harness_tests_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,         \
				__LINE__, #cond);                                        \
			harness_failed_checks++;                                         \
		}                                                                        \
	} while (0)

/* Like CHECK, but a failure also ends the test function (which returns
 * void): for preconditions the rest of the test would dereference. */
#define REQUIRE(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "  %s:%d: requirement failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                        \
			harness_failed_checks++;                                         \
			return;                                                          \
		}                                                                        \
	} while (0)

/* REQUIRE for a test that owns resources: a failure jumps to its cleanup
 * label instead of returning. */
#define REQUIRE_OR_GOTO(cond, label)                                                     \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "  %s:%d: requirement failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                        \
			harness_failed_checks++;                                         \
			goto label;                                                      \
		}                                                                        \
	} while (0)

/* RUN_WITH(fn, fx, setup, teardown): runs fn(fx) between setup(fx) and
 * teardown(fx), so fn may REQUIRE and still have its resources released.
 * setup returns false (after FAIL) when it could not build the fixture;
 * teardown runs either way and accepts a half-built one. */
#define RUN_WITH(fn, fx, setup, teardown)                                                \
	do {                                                                             \
		int _before = harness_failed_checks;                                     \
		if (setup(fx))                                                           \
			fn(fx);                                                          \
		teardown(fx);                                                            \
		harness_report(#fn, _before);                                            \
	} while (0)

/* An unconditional failure, for branches a test must not reach. */
#define FAIL(what)                                                                       \
	do {                                                                             \
		fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, what);              \
		harness_failed_checks++;                                                 \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                               \
	do {                                                                             \
		long long _a = (long long)(a), _b = (long long)(b);                      \
		if (_a != _b) {                                                          \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",          \
				__FILE__, __LINE__, #a, _a, _b);                         \
			harness_failed_checks++;                                         \
		}                                                                        \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *_a = (a), *_b = (b);                                         \
		if (!_a || !_b || strcmp(_a, _b)) {                                      \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n",      \
				__FILE__, __LINE__, #a, _a ? _a : "(null)",              \
				_b ? _b : "(null)");                                     \
			harness_failed_checks++;                                         \
		}                                                                        \
	} while (0)

/* One TAP line for a test that started at failed-check count before. */
static inline void harness_report(const char *name, int before)
{
	int n = harness_tests_passed + harness_tests_failed + 1;

	if (harness_failed_checks == before) {
		harness_tests_passed++;
		printf("ok %d - %s\n", n, name);
	} else {
		harness_tests_failed++;
		printf("not ok %d - %s\n", n, name);
	}
	fflush(stdout); /* in order with the checks' lines on stderr */
}

/* Lines of the file at path that contain needle; -1 when unreadable (log
 * assertions). */
static inline int count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

#define RUN(fn)                                                                          \
	do {                                                                             \
		int _before = harness_failed_checks;                                     \
		fn();                                                                    \
		harness_report(#fn, _before);                                            \
	} while (0)

#define HARNESS_DONE()                                                                   \
	(printf("1..%d\n# %d passed, %d failed\n",                                       \
		harness_tests_passed + harness_tests_failed, harness_tests_passed,       \
		harness_tests_failed),                                                   \
	 harness_tests_failed)

#endif
