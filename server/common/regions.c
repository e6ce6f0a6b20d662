/*
 * Division names (regions.h), kept sorted by code for binary search.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regions.h"
#include "utf8.h"

#define REGION_NAME_MAX	64

struct region {
	char	 r_code[7];
	char	 r_name[REGION_NAME_MAX + 1];
};

struct regions {
	struct region	*rs_v;
	size_t		 rs_n;
};

static int	 region_cmp(const void *, const void *);
static int	 regions_add(struct regions *, char *line, char *err,
		    size_t errlen);

int
regions_code_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len != 2 && len != 4 && len != 6)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
region_cmp(const void *a, const void *b)
{
	return strcmp(((const struct region *)a)->r_code,
	    ((const struct region *)b)->r_code);
}

/* One "CODE NAME" line (its newline gone): 0, or -1 with err. */
static int
regions_add(struct regions *rs, char *line, char *err, size_t errlen)
{
	struct region	*grown, *r;
	char		*name;
	size_t		 clen, nlen;

	clen = strcspn(line, " \t");
	name = line + clen + strspn(line + clen, " \t");
	nlen = strlen(name);
	while (nlen > 0 && isspace((unsigned char)name[nlen - 1]))
		name[--nlen] = '\0';
	if (!regions_code_valid(line, clen)) {
		snprintf(err, errlen, "a code of 2, 4 or 6 digits first");
		return -1;
	}
	if (nlen == 0 || nlen > REGION_NAME_MAX ||
	    !qc_utf8_valid(name, nlen)) {
		snprintf(err, errlen, "a name of 1 to %d bytes of UTF-8 after "
		    "the code", REGION_NAME_MAX);
		return -1;
	}
	if ((grown = reallocarray(rs->rs_v, rs->rs_n + 1,
	    sizeof(*grown))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->rs_v = grown;
	r = &rs->rs_v[rs->rs_n++];
	memcpy(r->r_code, line, clen);
	r->r_code[clen] = '\0';
	memcpy(r->r_name, name, nlen + 1);
	return 0;
}

struct regions *
regions_load(const char *path, char *err, size_t errlen)
{
	struct regions	*rs;
	char		 line[512], why[128];
	size_t		 i, len;
	FILE		*f;
	int		 n = 0, bad = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (!bad && fgets(line, sizeof(line), f) != NULL) {
		n++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(why, sizeof(why), "line too long");
			bad = 1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		bad = regions_add(rs, line, why, sizeof(why)) == -1;
	}
	if (!bad && ferror(f)) {
		snprintf(why, sizeof(why), "read error");
		bad = 1;
	}
	fclose(f);
	if (!bad) {
		qsort(rs->rs_v, rs->rs_n, sizeof(*rs->rs_v), region_cmp);
		for (i = 1; i < rs->rs_n && !bad; i++)
			if (strcmp(rs->rs_v[i - 1].r_code,
			    rs->rs_v[i].r_code) == 0) {
				snprintf(err, errlen, "%s: code %s given twice",
				    path, rs->rs_v[i].r_code);
				regions_free(rs);
				return NULL;
			}
		return rs;
	}
	snprintf(err, errlen, "%s: line %d: %s", path, n, why);
	regions_free(rs);
	return NULL;
}

void
regions_free(struct regions *rs)
{
	if (rs == NULL)
		return;
	free(rs->rs_v);
	free(rs);
}

const char *
regions_name(const struct regions *rs, const char *code, size_t len)
{
	struct region	 key, *r;

	if (rs == NULL || !regions_code_valid(code, len))
		return NULL;
	memcpy(key.r_code, code, len);
	key.r_code[len] = '\0';
	r = bsearch(&key, rs->rs_v, rs->rs_n, sizeof(*rs->rs_v), region_cmp);
	return r != NULL ? r->r_name : NULL;
}
