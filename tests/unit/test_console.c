/* The console's form decoding (console_form_field): every POST body goes
 * through it, so a NUL, a truncated escape or an over-long value must be
 * refused, never cut or passed on. */
#include <string.h>

#include "console/console_internal.h"
#include "harness.h"

static void test_form_fields(void)
{
	char out[16];

	CHECK(console_form_field("name=boss&password=p%20w%2B1+x", "password", out,
				 sizeof(out)));
	CHECK_STR(out, "p w+1 x");
	CHECK(console_form_field("name=boss&password=x", "name", out, sizeof(out)));
	CHECK_STR(out, "boss");
	CHECK(console_form_field("a=&name=", "name", out, sizeof(out)));
	CHECK_STR(out, "");
	/* "username" is not "name"; the first of two wins. */
	CHECK(!console_form_field("username=x", "name", out, sizeof(out)));
	CHECK(console_form_field("name=a&name=b", "name", out, sizeof(out)));
	CHECK_STR(out, "a");
	CHECK(!console_form_field("name=a%00b", "name", out, sizeof(out)));
	CHECK(!console_form_field("name=a%2", "name", out, sizeof(out)));
	CHECK(!console_form_field("name=a%zz", "name", out, sizeof(out)));
	CHECK(!console_form_field("name=a%+1", "name", out, sizeof(out)));
	CHECK(!console_form_field("name=a% 1", "name", out, sizeof(out)));
	CHECK(console_form_field("name=%41%6a", "name", out, sizeof(out)));
	CHECK_STR(out, "Aj");
	CHECK(!console_form_field("name=0123456789abcdef", "name", out, sizeof(out)));
	CHECK(console_form_field("name=0123456789abcde", "name", out, sizeof(out)));
	CHECK(!console_form_field("", "name", out, sizeof(out)));
}

int main(void)
{
	RUN(test_form_fields);
	return HARNESS_DONE();
}
