/*
 * Arguments of stats (PROTOCOL.md 5, stats): how to group, and which
 * entries count.
 */
#include <string.h>

#include "args.h"
#include "date.h"
#include "regions.h"

static const char *const by_names[STATS_BY_COUNT] = {
	[STATS_BY_LIST] = "list",
	[STATS_BY_REGION] = "region",
	[STATS_BY_MONTH] = "month",
	[STATS_BY_GRADE] = "grade",
};

const char *
stats_by_name(enum stats_by by)
{
	return by_names[by];
}

int
read_by(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;
	int		 i;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	for (i = 0; i < STATS_BY_COUNT; i++)
		if (strlen(by_names[i]) == len && memcmp(by_names[i], s,
		    len) == 0) {
			q->q_args.a_by = (enum stats_by)i;
			return 0;
		}
	req_fail(q, QC_E_BAD_REQUEST, "%s: expected list, region, month or "
	    "grade", name);
	return -1;
}

int
read_region(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (!regions_code_valid(s, len)) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: a division code of 2, 4 or "
		    "6 digits", name);
		return -1;
	}
	memcpy(q->q_args.a_region, s, len);
	q->q_args.a_region[len] = '\0';
	return 0;
}

int
arg_day(struct req *q, const char *name, const msgpack_object *o,
    int32_t *day)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (qc_date_parse(s, len, day) == -1) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: expected a date YYYY-MM-DD",
		    name);
		return -1;
	}
	return 0;
}

int
read_day_from(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_day(q, name, o, &q->q_args.a_day_from);
}

int
read_day_to(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_day(q, name, o, &q->q_args.a_day_to);
}
