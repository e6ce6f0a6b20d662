/*
 * Subject validation and canonical forms (PROTOCOL.md section 4.1).
 */
#include <string.h>

#include "subject.h"

#define USCC_LEN	18
#define GUIDE_MIN	4
#define GUIDE_MAX	32
#define SITE_MAX	253
#define LABEL_MAX	63
#define PROVINCE_LEN	3	/* every province character is 3 UTF-8 bytes */

typedef int	(*canon_fn)(const char *, size_t, char *, const char **);

static int	 canon_uscc(const char *, size_t, char *, const char **);
static int	 canon_guide(const char *, size_t, char *, const char **);
static int	 canon_site(const char *, size_t, char *, const char **);
static int	 canon_plate(const char *, size_t, char *, const char **);
static int	 site_label(const char *, size_t, const char **);
static int	 uscc_value(char);
static int	 fail(const char **, const char *);
static char	 to_upper(char);
static char	 to_lower(char);
static int	 is_upper_alnum(char);

static const char *const kind_names[QC_KIND_COUNT] = {
	[QC_KIND_USCC] = "uscc",
	[QC_KIND_GUIDE] = "guide",
	[QC_KIND_SITE] = "site",
	[QC_KIND_PLATE] = "plate",
};

static const canon_fn kind_canon[QC_KIND_COUNT] = {
	[QC_KIND_USCC] = canon_uscc,
	[QC_KIND_GUIDE] = canon_guide,
	[QC_KIND_SITE] = canon_site,
	[QC_KIND_PLATE] = canon_plate,
};

/* GB 32100-2015: 31 characters, no I, O, S, V or Z. */
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/* 1 + the value of each character of uscc_alphabet; 0 elsewhere. */
static const unsigned char uscc_values[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['G'] = 17,
	['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22,
	['N'] = 23, ['P'] = 24, ['Q'] = 25, ['R'] = 26, ['T'] = 27,
	['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31
};

static const int uscc_weights[USCC_LEN - 1] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

static const char provinces[] =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

const char *
qc_kind_name(enum qc_kind k)
{
	if ((unsigned)k >= QC_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

int
qc_kind_from_name(const char *s, size_t len)
{
	int	 k;

	if (s == NULL)
		return -1;
	for (k = 0; k < QC_KIND_COUNT; k++) {
		if (strlen(kind_names[k]) == len &&
		    memcmp(kind_names[k], s, len) == 0)
			return k;
	}
	return -1;
}

int
qc_subject_canon(const char *in, size_t len, char out[QC_SUBJECT_MAX],
    const char **why)
{
	const char	*colon, *id;
	size_t		 idlen, klen;
	int		 kind;

	out[0] = '\0';
	if (in == NULL || len == 0)
		return fail(why, "empty subject");
	colon = memchr(in, ':', len);
	if (colon == NULL) {
		if (len != USCC_LEN)
			return fail(why, "missing kind");
		kind = QC_KIND_USCC;
		id = in;
		idlen = len;
	} else {
		kind = qc_kind_from_name(in, (size_t)(colon - in));
		if (kind == -1)
			return fail(why, "unknown kind");
		id = colon + 1;
		idlen = len - (size_t)(colon - in) - 1;
	}
	/* Each kind checks the id's length before writing to out. */
	klen = strlen(kind_names[kind]);
	memcpy(out, kind_names[kind], klen);
	out[klen] = ':';
	if (kind_canon[kind](id, idlen, out + klen + 1, why) == -1) {
		out[0] = '\0';
		return -1;
	}
	return kind;
}

/* Value of an upper-case character in the USCC alphabet, or -1. */
static int
uscc_value(char c)
{
	return uscc_values[(unsigned char)c] - 1;
}

char
qc_uscc_check_char(const char *code17)
{
	int	 i, v, sum = 0;

	for (i = 0; i < USCC_LEN - 1; i++) {
		if ((v = uscc_value(code17[i])) == -1)
			return 0;
		sum += v * uscc_weights[i];
	}
	return uscc_alphabet[(31 - sum % 31) % 31];
}

int
qc_uscc_valid(const char *code)
{
	char	 c;

	if (code == NULL || (c = qc_uscc_check_char(code)) == 0)
		return 0;
	return code[USCC_LEN - 1] == c;
}

/*
 * Per-letter reasons: the letters are the ones people mistype most (I for
 * 1, O for 0 ...), so saying which one helps.
 */
static int
canon_uscc(const char *id, size_t len, char *out, const char **why)
{
	static const char *const forbidden[] = {
		"uscc: forbidden character 'I'",
		"uscc: forbidden character 'O'",
		"uscc: forbidden character 'S'",
		"uscc: forbidden character 'V'",
		"uscc: forbidden character 'Z'",
	};
	const char	*f;
	size_t		 i;
	char		 c;

	if (len != USCC_LEN)
		return fail(why, "uscc: length must be 18");
	for (i = 0; i < USCC_LEN; i++) {
		c = to_upper(id[i]);
		if (uscc_value(c) == -1) {
			if (c != '\0' && (f = strchr("IOSVZ", c)) != NULL)
				return fail(why, forbidden[f - "IOSVZ"]);
			return fail(why, "uscc: invalid character");
		}
		out[i] = c;
	}
	out[USCC_LEN] = '\0';
	if (!qc_uscc_valid(out))
		return fail(why, "uscc: wrong check character");
	return 0;
}

static int
canon_guide(const char *id, size_t len, char *out, const char **why)
{
	size_t	 i;
	char	 c;

	if (len < GUIDE_MIN || len > GUIDE_MAX)
		return fail(why, "guide: length must be 4-32");
	for (i = 0; i < len; i++) {
		c = to_upper(id[i]);
		if (!is_upper_alnum(c) && c != '-')
			return fail(why, "guide: invalid character");
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

/* Host name only: the user may paste a URL, so name what to strip. */
static int
canon_site(const char *id, size_t len, char *out, const char **why)
{
	const char	*p, *dot;
	size_t		 i, left, dots = 0;

	if (len == 0)
		return fail(why, "site: empty");
	for (i = 0; i + 2 < len; i++) {
		if (memcmp(id + i, "://", 3) == 0)
			return fail(why, "site: scheme not allowed");
	}
	if (memchr(id, '/', len) != NULL)
		return fail(why, "site: path not allowed");
	if (memchr(id, ':', len) != NULL)
		return fail(why, "site: port not allowed");
	for (i = 0; i < len; i++) {
		if ((unsigned char)id[i] >= 0x80)
			return fail(why, "site: non-ASCII, use xn-- labels");
	}
	if (id[len - 1] == '.')
		return fail(why, "site: trailing dot");
	if (len > SITE_MAX)
		return fail(why, "site: longer than 253 characters");
	for (p = id, left = len; ; dots++) {
		dot = memchr(p, '.', left);
		i = dot == NULL ? left : (size_t)(dot - p);
		if (site_label(p, i, why) == -1)
			return -1;
		if (dot == NULL)
			break;
		p = dot + 1;
		left -= i + 1;
	}
	if (dots == 0)
		return fail(why, "site: needs at least two labels");
	for (i = 0; i < len; i++)
		out[i] = to_lower(id[i]);
	out[len] = '\0';
	return 0;
}

static int
site_label(const char *l, size_t len, const char **why)
{
	size_t	 i;
	char	 c;

	if (len == 0)
		return fail(why, "site: empty label");
	if (len > LABEL_MAX)
		return fail(why, "site: label longer than 63 characters");
	if (l[0] == '-')
		return fail(why, "site: label starts with '-'");
	if (l[len - 1] == '-')
		return fail(why, "site: label ends with '-'");
	for (i = 0; i < len; i++) {
		c = to_lower(l[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return fail(why, "site: invalid character");
	}
	return 0;
}

static int
canon_plate(const char *id, size_t len, char *out, const char **why)
{
	const char	*p;
	size_t		 i;
	char		 c;

	for (p = provinces; *p != '\0'; p += PROVINCE_LEN) {
		if (len >= PROVINCE_LEN && memcmp(id, p, PROVINCE_LEN) == 0)
			break;
	}
	if (*p == '\0')
		return fail(why, "plate: unknown province character");
	memcpy(out, id, PROVINCE_LEN);
	if (len == PROVINCE_LEN || (c = to_upper(id[PROVINCE_LEN])) < 'A' ||
	    c > 'Z')
		return fail(why, "plate: second character must be A-Z");
	out[PROVINCE_LEN] = c;
	if (len < PROVINCE_LEN + 1 + 5 || len > PROVINCE_LEN + 1 + 6)
		return fail(why, "plate: 5 or 6 characters must follow "
		    "the letter");
	for (i = PROVINCE_LEN + 1; i < len; i++) {
		c = to_upper(id[i]);
		if (!is_upper_alnum(c))
			return fail(why, "plate: invalid character");
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

static int
fail(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -1;
}

/* ASCII only: the C locale functions would depend on setlocale(). */
static char
to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static char
to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int
is_upper_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
