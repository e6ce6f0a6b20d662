/*
 * Error codes: every code's wire name maps back to the code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "errors.h"

static void
test_round_trip(void **state)
{
	const char	*name;
	int		 e, f;

	(void)state;
	for (e = QC_OK; e < QC_E_COUNT; e++) {
		name = qc_err_name(e);
		assert_non_null(name);
		assert_int_equal(qc_err_from_name(name, strlen(name)), e);
		for (f = QC_OK; f < e; f++)
			assert_string_not_equal(name, qc_err_name(f));
	}
}

static void
test_wire_names(void **state)
{
	(void)state;
	assert_string_equal(qc_err_name(QC_OK), "ok");
	assert_string_equal(qc_err_name(QC_E_BAD_FRAME), "bad_frame");
	assert_string_equal(qc_err_name(QC_E_INVALID_SUBJECT),
	    "invalid_subject");
	assert_string_equal(qc_err_name(QC_E_TOO_LARGE), "too_large");
	assert_string_equal(qc_err_name(QC_E_INTERNAL), "internal");
	assert_string_equal(qc_err_name(QC_E_READ_ONLY), "read_only");
	assert_string_equal(qc_err_name(QC_E_COUNT), "internal");
	assert_string_equal(qc_err_name((enum qc_err)-1), "internal");
}

static void
test_unknown_names(void **state)
{
	(void)state;
	assert_int_equal(qc_err_from_name("conflict", 8), QC_E_CONFLICT);
	/* Lengths matter: a prefix or a longer string is not a match. */
	assert_int_equal(qc_err_from_name("conflict", 7), QC_E_INTERNAL);
	assert_int_equal(qc_err_from_name("conflicts", 9), QC_E_INTERNAL);
	assert_int_equal(qc_err_from_name("CONFLICT", 8), QC_E_INTERNAL);
	assert_int_equal(qc_err_from_name("", 0), QC_E_INTERNAL);
	assert_int_equal(qc_err_from_name(NULL, 0), QC_E_INTERNAL);
	assert_int_equal(qc_err_from_name("not_found\0", 10), QC_E_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wire_names),
		cmocka_unit_test(test_unknown_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
