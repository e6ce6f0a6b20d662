/*
 * qcreg command line: how procedures show in human output (PROTOCOL.md
 * 4.6): case kinds with their Chinese names, disputed entries, proposed
 * listings and escalations.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

#define DATE_BUF	32	/* a date from the server, "?" if longer */

static const char *obj_text(const msgpack_object *, char *, size_t);

/* The Chinese name of a case kind (len bytes), or NULL if unknown. */
const char *
pr_kind_label(const char *kind, size_t len)
{
	static const struct {
		const char	*kind;
		const char	*label;
	} kinds[] = {
		{ "notice", "告知" },
		{ "objection", "异议" },
		{ "repair", "信用修复" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].kind) == len &&
		    memcmp(kinds[i].kind, kind, len) == 0)
			return kinds[i].label;
	return NULL;
}

/* "case 57 (异议处理中)": an open objection case on the entry. */
void
pr_disputed(FILE *f, uint64_t case_id)
{
	fprintf(f, "case %" PRIu64 " (异议处理中)", case_id);
}

/*
 * "tourism-watch -> tourism: 2 listings, 2025-03-01 .. 2026-02-20 (待决定)":
 * a subject listed count times on a watch list, waiting for the agency of
 * `to` to list or dismiss it. The strings are printed sanitized.
 */
void
pr_escalation(FILE *f, const char *list, const char *to, uint64_t count,
    const char *first, const char *last)
{
	pr_text(f, list, strlen(list));
	fputs(" -> ", f);
	pr_text(f, to, strlen(to));
	fprintf(f, ": %" PRIu64 " listing%s, ", count, count == 1 ? "" : "s");
	pr_text(f, first, strlen(first));
	fputs(" .. ", f);
	pr_text(f, last, strlen(last));
	fputs(" (待决定)", f);
}

/* A str object in buf, or "?" when it is not one or does not fit. */
static const char *
obj_text(const msgpack_object *o, char *buf, size_t size)
{
	return pr_objstr(o, buf, size) != NULL ? buf : "?";
}

/* pr_escalation of an {list, to, count, first, last} map from get. */
void
pr_escalation_obj(FILE *f, const msgpack_object *e)
{
	char		 list[128], to[128], first[DATE_BUF], last[DATE_BUF];
	uint64_t	 count = 0;

	(void)qc_obj_uint(qc_map_get(e, "count"), &count);
	pr_escalation(f, obj_text(qc_map_get(e, "list"), list, sizeof(list)),
	    obj_text(qc_map_get(e, "to"), to, sizeof(to)), count,
	    obj_text(qc_map_get(e, "first"), first, sizeof(first)),
	    obj_text(qc_map_get(e, "last"), last, sizeof(last)));
}

/*
 * The proposed listings of get (open notice cases), each as a block:
 *   tourism  proposed  notice case 57, deadline 2026-10-19
 *     name      张某
 *     category  unlicensed_guide (未经许可从事导游活动)
 */
void
pr_proposed(struct cli *cli, const msgpack_object *proposed, int indent)
{
	const msgpack_object	*p, *fields, *prov;
	FILE			*f = cli->out;
	char			 list[128];
	uint32_t		 i;
	int			 has_list;

	if (proposed == NULL || proposed->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (i = 0; i < proposed->via.array.size; i++) {
		p = &proposed->via.array.ptr[i];
		fields = qc_map_get(p, "fields");
		has_list = pr_objstr(qc_map_get(p, "list"), list,
		    sizeof(list)) != NULL;
		pr_pad(f, 0, (size_t)indent);
		pr_scalar(f, qc_map_get(p, "list"));
		fputs("  proposed  notice case ", f);
		pr_scalar(f, qc_map_get(p, "case"));
		fputs(", deadline ", f);
		pr_scalar(f, qc_map_get(p, "deadline"));
		prov = qc_map_get(p, "provisional");
		if (prov != NULL && prov->type == MSGPACK_OBJECT_BOOLEAN &&
		    prov->via.boolean)
			fputs(" (provisional)", f);
		putc('\n', f);
		pr_field_lines(cli, has_list ? list : NULL, fields, indent + 2,
		    pr_keys_width(fields, 0));
	}
}
