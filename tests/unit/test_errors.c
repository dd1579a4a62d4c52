/* The two error conventions: the TR_E* band of util/errors.h (never -1,
 * never a STUN code, every code has its text) and enum stun_error (every
 * code has its reason phrase and survives the ERROR-CODE encoding). */
#include "harness.h"

#include <stdlib.h>

#include "stun/stun.h"
#include "util/errors.h"

static void test_tr_error_band(void)
{
	/* -1 is a POSIX return, 300..699 STUN codes: no TR_E* code is either. */
	CHECK(TR_ENOMEM != -1);
	for (int err = TR_ERR_BASE; err >= TR_ELAST; err--) {
		CHECK(TR_IS_ERROR(err));
		CHECK(err < -699);
		CHECK(strcmp(tr_strerror(err), "unknown error") != 0);
		for (int other = err - 1; other >= TR_ELAST; other--)
			CHECK(strcmp(tr_strerror(err), tr_strerror(other)) != 0);
	}
	CHECK(!TR_IS_ERROR(-1));
	CHECK(!TR_IS_ERROR(0));
	CHECK(!TR_IS_ERROR(TR_ELAST - 1));
	CHECK_STR(tr_strerror(TR_OK), "success");
	CHECK_STR(tr_strerror(-1), "unknown error");
	CHECK_STR(tr_strerror(TR_ELAST - 1), "unknown error");
	CHECK_STR(tr_strerror(TR_ENOPORT), "no relay port available");
}

#define LIST_ENTRY_(name, code, phrase) { STUN_ERR_##name, #name, phrase },
static const struct {
	enum stun_error code;
	const char *name;
	const char *phrase;
} stun_errors[] = { STUN_ERROR_LIST(LIST_ENTRY_) };
#undef LIST_ENTRY_
#define N_STUN_ERRORS (sizeof(stun_errors) / sizeof(stun_errors[0]))

/* Every enum value has its own reason phrase, not the fallback. */
static void test_stun_error_phrases(void)
{
	for (size_t i = 0; i < N_STUN_ERRORS; i++) {
		const char *p = stun_reason_phrase((int)stun_errors[i].code);

		CHECK((int)stun_errors[i].code >= 300 && (int)stun_errors[i].code <= 699);
		CHECK(strcmp(p, "Error") != 0 && p[0] != '\0');
		CHECK_STR(p, stun_errors[i].phrase);
		for (size_t j = 0; j < i; j++)
			CHECK(stun_errors[j].code != stun_errors[i].code);
		if (strcmp(p, stun_errors[i].phrase))
			fprintf(stderr, "  STUN_ERR_%s has no phrase\n",
				stun_errors[i].name);
	}
	/* The names say the numbers of RFC 8489 14.8, RFC 8656 19, RFC 6062 6.3. */
	CHECK_EQ_INT(STUN_ERR_TRY_ALTERNATE, 300);
	CHECK_EQ_INT(STUN_ERR_UNAUTHORIZED, 401);
	CHECK_EQ_INT(STUN_ERR_STALE_NONCE, 438);
	CHECK_EQ_INT(STUN_ERR_CONNECTION_EXISTS, 446);
	CHECK_EQ_INT(STUN_ERR_CONNECTION_FAILURE, 447);
	CHECK_EQ_INT(STUN_ERR_INSUFFICIENT_CAPACITY, 508);
	CHECK_STR(stun_reason_phrase(STUN_ERR_CONNECTION_FAILURE),
		  "Connection Timeout or Failure");
	CHECK_STR(stun_reason_phrase(499), "Error");
	CHECK_EQ_INT(STUN_ERR_NONE, 0);
}

/* Each code goes through ERROR-CODE (RFC 8489 14.8) and back intact. */
static void test_stun_error_encoding(void)
{
	static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3 };

	for (size_t i = 0; i < N_STUN_ERRORS; i++) {
		uint8_t buf[256];
		struct stun_builder b;
		struct stun_msg m;
		const struct stun_attr *a;
		const char *reason;
		size_t reason_len;
		ssize_t n;
		int code;

		stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_ERROR,
				 tid);
		stun_add_error(&b, (int)stun_errors[i].code, NULL);
		n = stun_build_finish(&b);
		REQUIRE(n > 0);
		REQUIRE(stun_parse(&m, buf, (size_t)n) == n);
		a = stun_find(&m, STUN_ATTR_ERROR_CODE);
		REQUIRE(a != NULL);
		REQUIRE(stun_attr_error_code(a, &code, &reason, &reason_len) == 0);
		CHECK_EQ_INT(code, stun_errors[i].code);
		CHECK_EQ_INT(reason_len, strlen(stun_errors[i].phrase));
		CHECK(memcmp(reason, stun_errors[i].phrase, reason_len) == 0);
	}
}

int main(void)
{
	RUN(test_tr_error_band);
	RUN(test_stun_error_phrases);
	RUN(test_stun_error_encoding);
	return HARNESS_DONE();
}
