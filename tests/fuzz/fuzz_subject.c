/*
 * Fuzz target: subject validation (qc_subject_canon), with the small text
 * validators it leans on (UTF-8, dates, time zones). The input is the
 * subject exactly as a peer may send it: any bytes, not NUL-terminated.
 * A subject accepted must come out canonical: valid UTF-8, "kind:id" with
 * the kind it reported, shorter than QC_SUBJECT_MAX, and a fixed point:
 * canon(canon(x)) == canon(x).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "subject.h"
#include "utf8.h"

#define FUZZ_MAX_LEN	1024

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	 check_subject(const char *, size_t);
static void	 check_text(const char *, size_t);
static void	 fail(const char *, const char *, size_t);

static void
fail(const char *what, const char *s, size_t len)
{
	size_t	 i;

	fprintf(stderr, "%s: input", what);
	for (i = 0; i < len; i++)
		fprintf(stderr, " %02x", (unsigned char)s[i]);
	fprintf(stderr, "\n");
	abort();
}

static void
check_subject(const char *in, size_t len)
{
	char		 out[QC_SUBJECT_MAX], again[QC_SUBJECT_MAX];
	const char	*why = NULL, *kname;
	size_t		 olen, klen;
	int		 kind, kind2;

	kind = qc_subject_canon(in, len, out, &why);
	if (kind == -1) {
		if (why == NULL || *why == '\0' || out[0] != '\0')
			fail("refusal without a reason, or with output", in,
			    len);
		return;
	}
	if (kind < 0 || kind >= QC_KIND_COUNT)
		fail("unknown kind returned", in, len);
	if (memchr(out, '\0', QC_SUBJECT_MAX) == NULL)
		fail("canonical form not terminated", in, len);
	olen = strlen(out);
	kname = qc_kind_name(kind);
	klen = strlen(kname);
	if (olen <= klen + 1 || memcmp(out, kname, klen) != 0 ||
	    out[klen] != ':')
		fail("canonical form is not kind:id", in, len);
	if (!qc_utf8_valid(out, olen))
		fail("canonical form is not valid UTF-8", in, len);
	kind2 = qc_subject_canon(out, olen, again, NULL);
	if (kind2 != kind || strcmp(again, out) != 0)
		fail("canonical form is not a fixed point", in, len);
	/* A bare uscc must equal its prefixed spelling. */
	if (memchr(in, ':', len) == NULL && (kind != QC_KIND_USCC ||
	    len != 18))
		fail("bare subject taken as something else", in, len);
}

/* The UTF-8, date and time zone parsers see the same untrusted bytes. */
static void
check_text(const char *s, size_t len)
{
	char	 buf[QC_DATE_LEN + 1], *z;
	int32_t	 days, days2;
	size_t	 n;
	int	 valid, min;

	valid = qc_utf8_valid(s, len);
	n = qc_utf8_count(s, len);
	if (n > len || qc_utf8_width(s, len) > 2 * len)
		fail("utf8 count or width out of range", s, len);
	if (valid && (memchr(s, '\0', len) != NULL ||
	    qc_utf8_width(s, len) < n))
		fail("valid UTF-8 with NUL, or narrower than its length", s,
		    len);
	if (qc_date_parse(s, len, &days) == 0) {
		qc_date_format(days, buf);
		if (memcmp(buf, s, QC_DATE_LEN) != 0 ||
		    qc_date_parse(buf, QC_DATE_LEN, &days2) != 0 ||
		    days2 != days)
			fail("date does not round-trip", s, len);
		days2 = qc_date_add_years(days, 3);
		if (days2 < days + 3 * 365 || days2 > days + 3 * 366)
			fail("adding 3 years went astray", s, len);
	}
	/* qc_tz_parse reads a C string. */
	if ((z = malloc(len + 1)) == NULL)
		return;
	memcpy(z, s, len);
	z[len] = '\0';
	if (qc_tz_parse(z, &min) == 0 && (min < -14 * 60 || min > 14 * 60))
		fail("time zone beyond 14 hours", s, len);
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_LEN)
		return 0;
	check_subject((const char *)data, size);
	check_text((const char *)data, size);
	return 0;
}
