/* A tiny assert harness: each test_*.c defines test functions and a main
 * that runs them with RUN(); the exit status is the number of failures.
 * Output: one "ok"/"FAIL" line per test, then "N passed, N failed". */
#ifndef TR_HARNESS_H
#define TR_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failed_checks;
static int harness_tests_passed, harness_tests_failed;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "  %s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                   \
			harness_failed_checks++;                              \
		}                                                             \
	} while (0)

/* Like CHECK, but a failure also ends the test function (which returns
 * void): for preconditions the rest of the test would dereference. */
#define REQUIRE(cond)                                                         \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "  %s:%d: requirement failed: %s\n",  \
				__FILE__, __LINE__, #cond);                   \
			harness_failed_checks++;                              \
			return;                                               \
		}                                                             \
	} while (0)

/* An unconditional failure, for branches a test must not reach. */
#define FAIL(what)                                                            \
	do {                                                                  \
		fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, what);  \
		harness_failed_checks++;                                      \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                    \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a != _b) {                                               \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, _a, _b);              \
			harness_failed_checks++;                              \
		}                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *_a = (a), *_b = (b);                              \
		if (!_a || !_b || strcmp(_a, _b)) {                           \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, _a ? _a : "(null)",   \
				_b ? _b : "(null)");                          \
			harness_failed_checks++;                              \
		}                                                             \
	} while (0)

#define RUN(fn)                                                               \
	do {                                                                  \
		int _before = harness_failed_checks;                          \
		fn();                                                         \
		if (harness_failed_checks == _before) {                       \
			harness_tests_passed++;                               \
			printf("ok   %s\n", #fn);                             \
		} else {                                                      \
			harness_tests_failed++;                               \
			printf("FAIL %s\n", #fn);                             \
		}                                                             \
	} while (0)

#define HARNESS_DONE()                                                        \
	(printf("%d passed, %d failed\n", harness_tests_passed,               \
		harness_tests_failed),                                        \
	 harness_tests_failed)

#endif
