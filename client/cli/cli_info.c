/*
 * qcreg hello and stats: about the registry.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

static void	 print_strs(FILE *, const msgpack_object *, const char *);
static void	 print_list(struct cli *, const msgpack_object *);
static void	 field_rule(struct table *, const msgpack_object *);
static void	 print_rules(FILE *, const msgpack_object *);

/* The strings of an array joined by sep, or "-" if there are none. */
static void
print_strs(FILE *f, const msgpack_object *a, const char *sep)
{
	uint32_t	 i;

	if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY ||
	    a->via.array.size == 0) {
		fputs("-", f);
		return;
	}
	for (i = 0; i < a->via.array.size; i++) {
		if (i > 0)
			fputs(sep, f);
		pr_scalar(f, &a->via.array.ptr[i]);
	}
}

/* What a field allows: its values, its range or its length. */
static void
field_rule(struct table *t, const msgpack_object *fd)
{
	const msgpack_object	*v, *min, *max, *labels, *lb, *val;
	char			 buf[1024];
	size_t			 used = 0;
	uint32_t		 i;
	int			 n;

	buf[0] = '\0';
	if ((v = qc_map_get(fd, "values")) != NULL &&
	    v->type == MSGPACK_OBJECT_ARRAY) {
		labels = qc_map_get(fd, "labels");
		for (i = 0; i < v->via.array.size; i++) {
			val = &v->via.array.ptr[i];
			if (val->type != MSGPACK_OBJECT_STR)
				continue;
			lb = labels != NULL ? qc_map_getn(labels,
			    val->via.str.ptr, val->via.str.size) : NULL;
			if (lb != NULL && lb->type == MSGPACK_OBJECT_STR)
				n = snprintf(buf + used, sizeof(buf) - used,
				    "%s%.*s(%.*s)", used > 0 ? " " : "",
				    (int)val->via.str.size, val->via.str.ptr,
				    (int)lb->via.str.size, lb->via.str.ptr);
			else
				n = snprintf(buf + used, sizeof(buf) - used,
				    "%s%.*s", used > 0 ? " " : "",
				    (int)val->via.str.size, val->via.str.ptr);
			if (n < 0 || (size_t)n >= sizeof(buf) - used)
				break;
			used += (size_t)n;
		}
		tbl_add(t, buf, used);
		return;
	}
	min = qc_map_get(fd, "min");
	max = qc_map_get(fd, "max");
	if (min != NULL || max != NULL) {
		if (min != NULL && min->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			used += (size_t)snprintf(buf, sizeof(buf), "%" PRId64,
			    min->via.i64);
		else if (min != NULL &&
		    min->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			used += (size_t)snprintf(buf, sizeof(buf), "%" PRIu64,
			    min->via.u64);
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "..");
		if (max != NULL && max->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			snprintf(buf + used, sizeof(buf) - used, "%" PRId64,
			    max->via.i64);
		else if (max != NULL &&
		    max->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			snprintf(buf + used, sizeof(buf) - used, "%" PRIu64,
			    max->via.u64);
		tbl_add(t, buf, strlen(buf));
		return;
	}
	if ((v = qc_map_get(fd, "max_len")) != NULL &&
	    v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		tbl_addf(t, "<= %" PRIu64 " bytes", v->via.u64);
		return;
	}
	tbl_add(t, "", 0);
}

/*
 *   verdicts: A clear, B clear, C caution, D listed
 *   escalates to tourism after 2 listings within 365 days
 */
static void
print_rules(FILE *f, const msgpack_object *l)
{
	const msgpack_object	*v = qc_map_get(l, "verdicts"), *e;
	uint32_t		 i;

	if (v != NULL && v->type == MSGPACK_OBJECT_MAP) {
		fputs("  verdicts:", f);
		for (i = 0; i < v->via.map.size; i++) {
			fputs(i > 0 ? ", " : " ", f);
			pr_scalar(f, &v->via.map.ptr[i].key);
			putc(' ', f);
			pr_scalar(f, &v->via.map.ptr[i].val);
		}
		putc('\n', f);
	}
	if ((e = qc_map_get(l, "escalation")) != NULL) {
		fputs("  escalates to ", f);
		pr_scalar(f, qc_map_get(e, "to"));
		fputs(" after ", f);
		pr_scalar(f, qc_map_get(e, "after"));
		fputs(" listings within ", f);
		pr_scalar(f, qc_map_get(e, "window"));
		fputs(" days\n", f);
	}
}

/*
 *   list credit  rating  uscc  企业质量信用评价
 *     name   text  required  <= 256 bytes
 */
static void
print_list(struct cli *cli, const msgpack_object *l)
{
	const msgpack_object	*fields, *fd, *req;
	struct table		 t;
	FILE			*f = cli->out;
	uint32_t		 i;

	fputs("\nlist ", f);
	pr_scalar(f, qc_map_get(l, "name"));
	fputs("  ", f);
	pr_scalar(f, qc_map_get(l, "type"));
	fputs("  ", f);
	print_strs(f, qc_map_get(l, "kinds"), " ");
	if (qc_map_get(l, "title") != NULL) {
		fputs("  ", f);
		pr_scalar(f, qc_map_get(l, "title"));
	}
	putc('\n', f);
	fields = qc_map_get(l, "fields");
	if (fields == NULL || fields->type != MSGPACK_OBJECT_ARRAY)
		return;
	tbl_init(&t, 5);
	for (i = 0; i < fields->via.array.size; i++) {
		fd = &fields->via.array.ptr[i];
		tbl_add(&t, "", 0);	/* indent */
		tbl_obj(&t, qc_map_get(fd, "name"));
		tbl_obj(&t, qc_map_get(fd, "type"));
		req = qc_map_get(fd, "required");
		if (req != NULL && req->type == MSGPACK_OBJECT_BOOLEAN &&
		    req->via.boolean)
			tbl_add(&t, "required", 8);
		else
			tbl_add(&t, "optional", 8);
		field_rule(&t, fd);
	}
	tbl_print(&t, f);
	tbl_free(&t);
	print_rules(f, l);
}

int
cmd_hello(struct cli *cli, int argc, char **argv)
{
	const msgpack_object	*res = qcreg_hello_result(cli->c), *lists;
	const char		*role = qcreg_role(cli->c);
	FILE			*f = cli->out;
	uint32_t		 i;

	(void)argc;
	(void)argv;
	if (cli->json)
		return pr_json(cli, res);
	fprintf(f, "server     %s (protocol 1)\n", qcreg_server(cli->c));
	fprintf(f, "principal  %s\n", qcreg_principal(cli->c));
	fprintf(f, "role       %s\n", role != NULL ? role :
	    "none (not configured: every op but hello is forbidden)");
	fputs("writable   ", f);
	print_strs(f, qc_map_get(res, "writable"), ", ");
	fprintf(f, "\nlimits     max_frame %" PRIu32 ", max_batch %" PRIu32
	    ", max_limit %" PRIu32 "\n", qcreg_max_frame(cli->c),
	    qcreg_max_batch(cli->c), qcreg_max_limit(cli->c));
	lists = qc_map_get(res, "lists");
	if (lists != NULL && lists->type == MSGPACK_OBJECT_ARRAY)
		for (i = 0; i < lists->via.array.size; i++)
			print_list(cli, &lists->via.array.ptr[i]);
	return CLI_OK;
}

/*
 *   head 43, 120 entries by region
 *   REGION  NAME      TOTAL  ACTIVE  PENDING  EXPIRED  REMOVED
 *   4101    郑州市        31      25        2        3        1
 * (by grade: LIST and GRADE instead of REGION and NAME; no key: "-")
 */
static int
stats_rows(struct cli *cli, const msgpack_object *res)
{
	static const char *const cols[] = { "total", "active", "pending",
	    "expired", "removed" };
	static const char *const heads[] = { "TOTAL", "ACTIVE", "PENDING",
	    "EXPIRED", "REMOVED" };
	const msgpack_object	*rows = qc_map_get(res, "rows"), *row, *key;
	const msgpack_object	*by = qc_map_get(res, "by");
	struct table		 t;
	uint32_t		 i, j;
	int			 rc, grade = qc_obj_streq(by, "grade");
	int			 region = qc_obj_streq(by, "region");

	fputs("head ", cli->out);
	pr_scalar(cli->out, qc_map_get(res, "head"));
	fputs(", ", cli->out);
	pr_scalar(cli->out, qc_map_get(res, "total"));
	fputs(" entries by ", cli->out);
	pr_scalar(cli->out, by);
	putc('\n', cli->out);
	tbl_init(&t, 5 + 1 + (grade || region));
	t.right = grade || region ? 0x7c : 0x3e;	/* the counts */
	if (grade) {
		tbl_add(&t, "LIST", 4);
		tbl_add(&t, "GRADE", 5);
	} else {
		tbl_add(&t, region ? "REGION" : "MONTH", region ? 6 : 5);
		if (region)
			tbl_add(&t, "NAME", 4);
	}
	for (j = 0; j < 5; j++)
		tbl_add(&t, heads[j], strlen(heads[j]));
	for (i = 0; rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY &&
	    i < rows->via.array.size; i++) {
		row = &rows->via.array.ptr[i];
		key = qc_map_get(row, "key");
		if (grade)
			tbl_obj(&t, qc_map_get(row, "list"));
		if (key == NULL || key->type != MSGPACK_OBJECT_STR)
			tbl_add(&t, "-", 1);
		else
			tbl_obj(&t, key);
		if (region && qc_map_get(row, "name") != NULL)
			tbl_obj(&t, qc_map_get(row, "name"));
		else if (region)
			tbl_add(&t, "", 0);
		for (j = 0; j < 5; j++)
			tbl_obj(&t, qc_map_get(row, cols[j]));
	}
	rc = tbl_print(&t, cli->out);
	tbl_free(&t);
	return rc;
}

/*
 *   head 43, total 3
 *   LIST    TOTAL  ACTIVE  PENDING  EXPIRED  REMOVED  GRADES
 *   credit      1       0        0        0        1  A 0, B 0, ...
 */
int
cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "total", "active", "pending",
	    "expired", "removed" };
	static const char *const heads[] = { "TOTAL", "ACTIVE", "PENDING",
	    "EXPIRED", "REMOVED" };
	struct qcreg_reply	*r;
	const msgpack_object	*res, *lists, *s, *g;
	const msgpack_object_kv	*kv;
	struct table		 t;
	char			 grades[256];
	size_t			 used;
	uint32_t		 i, j;
	int			 rc, n;

	struct qcreg_stats_query sq = { cli->by, cli->list, cli->region,
	    cli->from, cli->to };

	(void)argc;
	(void)argv;
	if ((rc = qcreg_stats_by(cli->c, &sq, &r)) != 0)
		return cli_fail(cli, rc);
	res = qcreg_reply_result(r);
	if (cli->json || qc_map_get(res, "rows") != NULL) {
		rc = cli->json ? pr_json(cli, res) : stats_rows(cli, res);
		qcreg_reply_free(r);
		return rc;
	}
	fputs("head ", cli->out);
	pr_scalar(cli->out, qc_map_get(res, "head"));
	fputs(", total ", cli->out);
	pr_scalar(cli->out, qc_map_get(res, "total"));
	fputs(" entries\n", cli->out);
	tbl_init(&t, 7);
	t.right = 0x3e;		/* the counts */
	tbl_add(&t, "LIST", 4);
	for (j = 0; j < 5; j++)
		tbl_add(&t, heads[j], strlen(heads[j]));
	tbl_add(&t, "GRADES", 6);
	lists = qc_map_get(res, "lists");
	if (lists != NULL && lists->type == MSGPACK_OBJECT_MAP)
		for (i = 0; i < lists->via.map.size; i++) {
			kv = &lists->via.map.ptr[i];
			s = &kv->val;
			tbl_obj(&t, &kv->key);
			for (j = 0; j < 5; j++)
				tbl_obj(&t, qc_map_get(s, cols[j]));
			used = 0;
			grades[0] = '\0';
			g = qc_map_get(s, "grades");
			for (j = 0; g != NULL && g->type == MSGPACK_OBJECT_MAP &&
			    j < g->via.map.size; j++) {
				if (g->via.map.ptr[j].key.type !=
				    MSGPACK_OBJECT_STR ||
				    g->via.map.ptr[j].val.type !=
				    MSGPACK_OBJECT_POSITIVE_INTEGER)
					continue;
				n = snprintf(grades + used, sizeof(grades) -
				    used, "%s%.*s %" PRIu64, used > 0 ? ", " :
				    "", (int)g->via.map.ptr[j].key.via.str.size,
				    g->via.map.ptr[j].key.via.str.ptr,
				    g->via.map.ptr[j].val.via.u64);
				if (n < 0 || (size_t)n >= sizeof(grades) - used)
					break;
				used += (size_t)n;
			}
			tbl_add(&t, grades, strlen(grades));
		}
	rc = tbl_print(&t, cli->out);
	tbl_free(&t);
	qcreg_reply_free(r);
	return rc;
}
