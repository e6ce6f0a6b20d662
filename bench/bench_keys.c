/*
 * qcreg-bench: the data set. Entry i of M is derived from i alone, so the
 * loader, qcreg-bench on any machine and the Redis load all agree on the
 * same keys without a file. Each kind encodes i through a bijection (a
 * multiplication modulo the size of its id space), so two indexes never
 * give the same subject, and any index >= M is a guaranteed miss.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define USCC_SPACE	26439622160671ULL	/* 31^9 organisation codes */
#define USCC_MUL	7777777777777ULL	/* not a multiple of 31 */
#define GUIDE_SPACE	10000000000ULL		/* 10 digits */
#define GUIDE_MUL	3141592653ULL		/* odd, not a multiple of 5 */
#define SITE_SPACE	2821109907456ULL	/* 36^8 labels */
#define SITE_MUL	2718281831ULL		/* odd, not a multiple of 3 */
#define PLATE_SPACE	48735737856ULL		/* 31 * 26 * 36^5 plates */
#define PLATE_MUL	1618033991ULL		/* prime to 2, 3, 13, 31 */
#define MISS_SPAN	(1ULL << 32)		/* misses: M .. M + 2^32 */
#define KEYS_FILE_MAX	(64 * 1024 * 1024)	/* subjects in --keys */

static uint64_t	 mulmod(uint64_t, uint64_t, uint64_t);
static size_t	 subj_uscc(uint64_t, char *);
static size_t	 subj_guide(uint64_t, char *);
static size_t	 subj_site(uint64_t, char *);
static size_t	 subj_plate(uint64_t, char *);
static void	 add_field(struct bench_entry *, const char *, const char *,
		    int64_t);

const char *const bench_list_names[BENCH_NLISTS] = {
	"credit", "tourism", "advertising"
};
/* Principals of the development configuration that write each list. */
const char *const bench_list_writers[BENCH_NLISTS] = {
	"quality-bureau", "tourism-bureau", "commerce-bureau"
};

static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weight[17] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};
static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char b36_lower[] = "0123456789abcdefghijklmnopqrstuvwxyz";
/* Registration authority and type, and Fujian division codes. */
static const char *const uscc_types[] = { "91", "91", "91", "92", "12", "52" };
static const char *const regions[] = {
	"350100", "350102", "350104", "350200", "350203", "350300",
	"350400", "350500", "350600", "350700", "350800", "350900"
};
static const char *const site_domains[] = {
	"example.cn", "tour-example.com.cn", "travel-example.net",
	"shop-example.cn"
};
/* Province characters of plates, 3 UTF-8 bytes each. */
static const char provinces[] =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
static const char *const grades[] = { "A", "B", "C", "D" };

static uint64_t
mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((unsigned __int128)a * b % m);
}

char
keys_uscc_check(const char *code17)
{
	const char	*p;
	int		 i, sum = 0;

	for (i = 0; i < 17; i++) {
		if ((p = strchr(uscc_alpha, code17[i])) == NULL ||
		    code17[i] == '\0')
			return 0;
		sum += (int)(p - uscc_alpha) * uscc_weight[i];
	}
	return uscc_alpha[(31 - sum % 31) % 31];
}

static size_t
subj_uscc(uint64_t i, char *out)
{
	char		 code[19];
	uint64_t	 x = mulmod(i, USCC_MUL, USCC_SPACE);
	int		 k;

	memcpy(code, uscc_types[i / 7 % 6], 2);
	memcpy(code + 2, regions[i / 11 % 12], 6);
	for (k = 16; k >= 8; k--) {
		code[k] = uscc_alpha[x % 31];
		x /= 31;
	}
	code[17] = keys_uscc_check(code);
	code[18] = '\0';
	return (size_t)snprintf(out, BENCH_SUBJ_MAX, "uscc:%s", code);
}

static size_t
subj_guide(uint64_t i, char *out)
{
	return (size_t)snprintf(out, BENCH_SUBJ_MAX, "guide:D-%.4s-%010" PRIu64,
	    regions[i / 13 % 12], mulmod(i, GUIDE_MUL, GUIDE_SPACE));
}

static size_t
subj_site(uint64_t i, char *out)
{
	char		 label[9];
	uint64_t	 x = mulmod(i, SITE_MUL, SITE_SPACE);
	int		 k;

	for (k = 7; k >= 0; k--) {
		label[k] = b36_lower[x % 36];
		x /= 36;
	}
	label[8] = '\0';
	return (size_t)snprintf(out, BENCH_SUBJ_MAX, "site:t%s.%s", label,
	    site_domains[i / 17 % 4]);
}

static size_t
subj_plate(uint64_t i, char *out)
{
	char		 tail[6];
	uint64_t	 x = mulmod(i, PLATE_MUL, PLATE_SPACE);
	unsigned	 prov, letter;
	int		 k;

	prov = (unsigned)(x % 31);
	x /= 31;
	letter = (unsigned)(x % 26);
	x /= 26;
	for (k = 4; k >= 0; k--) {
		tail[k] = b36[x % 36];
		x /= 36;
	}
	tail[5] = '\0';
	return (size_t)snprintf(out, BENCH_SUBJ_MAX, "plate:%.3s%c%s",
	    provinces + 3 * prov, 'A' + letter, tail);
}

size_t
keys_subject(uint64_t i, char out[BENCH_SUBJ_MAX])
{
	switch (i % 10) {
	case 7:
		return subj_guide(i, out);
	case 8:
		return subj_site(i, out);
	case 9:
		return subj_plate(i, out);
	default:
		return subj_uscc(i, out);
	}
}

int
keys_list(uint64_t i)
{
	unsigned	 r = (unsigned)(i / 10 % 4);

	switch (i % 10) {
	case 7:
	case 9:
		return 1;
	case 8:
		return r % 2 == 0 ? 1 : 2;
	default:
		return r < 2 ? 0 : r == 2 ? 1 : 2;
	}
}

static void
add_field(struct bench_entry *e, const char *name, const char *str,
    int64_t num)
{
	e->fields[e->nfields].f_name = name;
	e->fields[e->nfields].f_str = str;
	e->fields[e->nfields].f_num = num;
	e->nfields++;
}

/*
 * Every entry is active today (2026) and for years: a hit in check. The
 * Redis value carries what a check answer says: list, grade, end date.
 */
void
keys_entry(uint64_t i, struct bench_entry *e)
{
	static const char *const categories[] = {
		"unlicensed_agency", "unlicensed_guide", "illegal_website",
		"illegal_vehicle"
	};
	const char	*grade = grades[i / 40 % 4], *until = NULL;
	unsigned	 kind = i % 10 < 7 ? 0 : (unsigned)(i % 10 - 6);

	e->list = keys_list(i);
	e->subject_len = keys_subject(i, e->subject);
	e->nfields = 0;
	switch (e->list) {
	case 0:
		snprintf(e->name, sizeof(e->name), "福建某某%" PRIu64
		    "食品有限公司", i);
		snprintf(e->doc, sizeof(e->doc), "QR-2026-%08" PRIu64, i);
		until = "2030-12-31";
		add_field(e, "name", e->name, 0);
		add_field(e, "grade", grade, 0);
		add_field(e, "score", NULL, 60 + (int64_t)(i % 41));
		add_field(e, "report", e->doc, 0);
		add_field(e, "valid_from", "2026-01-01", 0);
		add_field(e, "valid_until", until, 0);
		break;
	case 1:
		snprintf(e->name, sizeof(e->name), "某某旅游经营者%" PRIu64, i);
		snprintf(e->doc, sizeof(e->doc), "闽旅罚〔2026〕%" PRIu64 "号",
		    i);
		until = "2029-02-28";
		add_field(e, "name", e->name, 0);
		add_field(e, "category", categories[kind], 0);
		add_field(e, "reason", "未经许可经营旅行社业务", 0);
		add_field(e, "decision", e->doc, 0);
		add_field(e, "listed_on", "2026-03-01", 0);
		add_field(e, "expires_on", until, 0);
		break;
	default:
		snprintf(e->name, sizeof(e->name), "某某广告主%" PRIu64, i);
		snprintf(e->doc, sizeof(e->doc), "闽市监广罚〔2026〕%" PRIu64
		    "号", i);
		add_field(e, "name", e->name, 0);
		add_field(e, "reason", "发布虚假违法广告", 0);
		add_field(e, "decision", e->doc, 0);
		add_field(e, "listed_on", "2026-02-01", 0);
		if (i / 10 % 8 < 4) {
			until = "2029-01-31";
			add_field(e, "expires_on", until, 0);
		}
		break;
	}
	e->value_len = (size_t)snprintf(e->value, sizeof(e->value), "%s:%s:%s",
	    bench_list_names[e->list], e->list == 0 ? grade : "",
	    until != NULL ? until : "");
}

int
keyset_load_file(struct keyset *ks, const char *path)
{
	FILE	*f;
	char	*line = NULL, **v;
	size_t	 cap = 0, vcap = 0;
	ssize_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (n >= BENCH_SUBJ_MAX || ks->ks_nfile >= KEYS_FILE_MAX) {
			errno = EINVAL;
			goto fail;
		}
		if (ks->ks_nfile == vcap) {
			vcap = vcap ? vcap * 2 : 1024;
			if ((v = reallocarray(ks->ks_file, vcap,
			    sizeof(*v))) == NULL)
				goto fail;
			ks->ks_file = v;
		}
		if ((ks->ks_file[ks->ks_nfile] = strdup(line)) == NULL)
			goto fail;
		ks->ks_nfile++;
	}
	if (ferror(f))
		goto fail;
	free(line);
	fclose(f);
	if (ks->ks_nfile == 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

void
keyset_free(struct keyset *ks)
{
	size_t	 i;

	for (i = 0; i < ks->ks_nfile; i++)
		free(ks->ks_file[i]);
	free(ks->ks_file);
	ks->ks_file = NULL;
	ks->ks_nfile = 0;
}

size_t
keyset_pick(const struct keyset *ks, uint64_t *rng, char out[BENCH_SUBJ_MAX],
    int *hit)
{
	uint64_t	 r = rng_next(rng), i;
	size_t		 len;

	if (ks->ks_nfile > 0) {
		len = strlen(ks->ks_file[r % ks->ks_nfile]);
		memcpy(out, ks->ks_file[r % ks->ks_nfile], len + 1);
		*hit = -1;
		return len;
	}
	/* 53 random bits decide hit or miss; the rest pick the index. */
	if ((double)(r >> 11) * 0x1p-53 < ks->ks_hit) {
		i = rng_next(rng) % ks->ks_m;
		*hit = 1;
	} else {
		i = ks->ks_m + rng_next(rng) % MISS_SPAN;
		*hit = 0;
	}
	return keys_subject(i, out);
}

int64_t
keyset_pick_credit(const struct keyset *ks, uint64_t *rng)
{
	uint64_t	 r, i;
	int		 tries;

	/* Credit entries are i % 10 < 7 with (i / 10) % 4 < 2. */
	for (tries = 0; tries < 64; tries++) {
		r = rng_next(rng);
		i = ((r % (ks->ks_m / 40 + 1)) * 4 + (r >> 63)) * 10 +
		    (r >> 32) % 7;
		if (i < ks->ks_m)
			return (int64_t)i;
	}
	return -1;
}
