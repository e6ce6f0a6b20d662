/*
 * Faults: one way to record an error and its message.
 */
#include <stdarg.h>
#include <stdio.h>

#include "outcome.h"

void
fault_set(struct fault *f, enum qc_err code, const char *fmt, ...)
{
	va_list	 ap;

	f->f_code = code;
	va_start(ap, fmt);
	vsnprintf(f->f_msg, sizeof(f->f_msg), fmt, ap);
	va_end(ap);
}
