/*
 * qcreg report: a report map (PROTOCOL.md 5, report) printed as the
 * enterprise credit report (企业质量信用报告), in sections: 基本信息,
 * 信用评价 (rating lists), 失信名单 (blacklists), 重点关注 (watch lists
 * and the escalation), 处理程序 (cases), 变更记录 (versions), then the
 * head of the registry it was read at. Lists are named by their titles
 * and sorted into sections by their types, enum values labelled, all
 * from hello; text from the server goes through pr_text.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli_time.h"
#include "msg.h"

#define LIST_NAME_MAX	128	/* a list name */
#define DATE_LEN	10	/* YYYY-MM-DD of a formatted time */

/* The sections of list types, in the order they are printed. */
static const struct {
	const char	*title;
	const char	*type;		/* NULL: any type the others miss */
} sections[] = {
	{ "信用评价", "rating" },
	{ "失信名单", NULL },
	{ "重点关注", "watch" },
};

static int	 same_str(const msgpack_object *, const msgpack_object *);
static const msgpack_object *field_named(const msgpack_object *,
		    const msgpack_object *);
static const char	*label_of(const msgpack_object *, const char *const *);
static void	 labelled(FILE *, const msgpack_object *, const char *const *);
static const msgpack_object *table_section(struct cli *,
		    const msgpack_object *, const char *, const char *,
		    const char *const *, size_t, struct table *);
static const msgpack_object *list_def(struct cli *, const msgpack_object *);
static int	 in_section(struct cli *, const msgpack_object *, size_t);
static void	 list_title(struct cli *, const msgpack_object *);
static void	 key(FILE *, int, const char *);
static void	 line(FILE *, int, const char *, const msgpack_object *);
static void	 time_at(struct cli *, const msgpack_object *);
static const msgpack_object *name_of(const msgpack_object *);
static void	 basics(struct cli *, const msgpack_object *);
static void	 entry(struct cli *, const msgpack_object *);
static void	 proposal(struct cli *, const msgpack_object *);
static void	 lists(struct cli *, const msgpack_object *, size_t);
static int	 cases(struct cli *, const msgpack_object *);
static int	 versions(struct cli *, const msgpack_object *);
static void	 registry(struct cli *, const msgpack_object *);

/* Wire values and their Chinese names, pairs ending in NULL. */
static const char *const verdicts[] = {
	"clear", "良好", "caution", "需关注", "listed", "失信", NULL
};
static const char *const states[] = {
	"active", "有效", "pending", "待生效", "expired", "已过期",
	"removed", "已移出", NULL
};
static const char *const case_states[] = {
	"open", "办理中", "overdue", "已逾期", "closed", "已办结", NULL
};
static const char *const outcomes[] = {
	"listed", "列入", "withdrawn", "撤回", "upheld", "维持",
	"corrected", "更正", "revoked", "撤销", "approved", "准予修复",
	"rejected", "不予修复", NULL
};

/* 1 if a and b are the same str. */
static int
same_str(const msgpack_object *a, const msgpack_object *b)
{
	return a != NULL && b != NULL && a->type == MSGPACK_OBJECT_STR &&
	    b->type == MSGPACK_OBJECT_STR &&
	    a->via.str.size == b->via.str.size &&
	    memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

/* The field of fields that the str name names, or NULL. */
static const msgpack_object *
field_named(const msgpack_object *fields, const msgpack_object *name)
{
	if (name == NULL || name->type != MSGPACK_OBJECT_STR)
		return NULL;
	return qc_map_getn(fields, name->via.str.ptr, name->via.str.size);
}

/* The Chinese name of the str o among pairs, or NULL. */
static const char *
label_of(const msgpack_object *o, const char *const *pairs)
{
	for (; pairs[0] != NULL; pairs += 2)
		if (qc_obj_streq(o, pairs[0]))
			return pairs[1];
	return NULL;
}

/* "失信（listed）": the str o with its Chinese name, if it has one. */
static void
labelled(FILE *f, const msgpack_object *o, const char *const *pairs)
{
	const char	*label = label_of(o, pairs);

	if (label != NULL)
		fprintf(f, "%s（", label);
	pr_scalar(f, o);
	if (label != NULL)
		fputs("）", f);
}

/*
 * The section title of the array res[key], "无" under it when it is
 * empty; else t begins with the n header cells, and the array is
 * returned.
 */
static const msgpack_object *
table_section(struct cli *cli, const msgpack_object *res, const char *key,
    const char *title, const char *const *heads, size_t n, struct table *t)
{
	const msgpack_object	*a = qc_map_get(res, key);
	size_t			 i;

	fprintf(cli->out, "\n%s\n", title);
	if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY ||
	    a->via.array.size == 0) {
		fputs("  无\n", cli->out);
		return NULL;
	}
	tbl_init(t, n);
	for (i = 0; i < n; i++)
		tbl_addf(t, "%s%s", i == 0 ? "  " : "", heads[i]);
	return a;
}

/* The hello definition of the list an entry names (its "list"). */
static const msgpack_object *
list_def(struct cli *cli, const msgpack_object *item)
{
	const msgpack_object	*all = qc_map_get(cli->hello, "lists");
	const msgpack_object	*name = qc_map_get(item, "list");
	uint32_t		 i;

	if (all == NULL || all->type != MSGPACK_OBJECT_ARRAY ||
	    name == NULL || name->type != MSGPACK_OBJECT_STR)
		return NULL;
	for (i = 0; i < all->via.array.size; i++)
		if (same_str(qc_map_get(&all->via.array.ptr[i], "name"),
		    name))
			return &all->via.array.ptr[i];
	return NULL;
}

/* 1 if the list of item belongs in section s (by its type). */
static int
in_section(struct cli *cli, const msgpack_object *item, size_t s)
{
	const msgpack_object	*type = qc_map_get(list_def(cli, item), "type");
	size_t			 i;

	if (sections[s].type != NULL)
		return qc_obj_streq(type, sections[s].type);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (sections[i].type != NULL &&
		    qc_obj_streq(type, sections[i].type))
			return 0;
	return 1;
}

/* "企业质量信用评价（credit）": the list's title from hello, and its name. */
static void
list_title(struct cli *cli, const msgpack_object *item)
{
	const msgpack_object	*title = qc_map_get(list_def(cli, item),
				    "title");

	if (title != NULL && title->type == MSGPACK_OBJECT_STR) {
		pr_scalar(cli->out, title);
		fputs("（", cli->out);
		pr_scalar(cli->out, qc_map_get(item, "list"));
		fputs("）", cli->out);
	} else
		pr_scalar(cli->out, qc_map_get(item, "list"));
}

/* A label at indent, padded to its value's column (10 columns). */
static void
key(FILE *f, int indent, const char *label)
{
	pr_key(f, indent, label, 8);
}

/* "label     value" and a newline. */
static void
line(FILE *f, int indent, const char *label, const msgpack_object *o)
{
	key(f, indent, label);
	pr_scalar(f, o);
	putc('\n', f);
}

/* Unix seconds o in the registry's time zone, or "-". */
static void
time_at(struct cli *cli, const msgpack_object *o)
{
	char		 when[CLI_TIME_LEN];
	uint64_t	 u;

	if (qc_obj_uint(o, &u) == 0) {
		cli_time_format(when, sizeof(when), u, cli->tz);
		fputs(when, cli->out);
	} else
		fputs("-", cli->out);
}

/* The subject's name: from its entries, its proposals, its versions. */
static const msgpack_object *
name_of(const msgpack_object *res)
{
	static const char *const from[] = { "entries", "proposed" };
	const msgpack_object	*a, *n;
	uint32_t		 i, k;

	for (k = 0; k < 2; k++) {
		if ((a = qc_map_get(res, from[k])) == NULL ||
		    a->type != MSGPACK_OBJECT_ARRAY)
			continue;
		for (i = 0; i < a->via.array.size; i++)
			if ((n = qc_map_get(qc_map_get(&a->via.array.ptr[i],
			    "fields"), "name")) != NULL)
				return n;
	}
	if ((a = qc_map_get(res, "versions")) == NULL ||
	    a->type != MSGPACK_OBJECT_ARRAY)
		return NULL;
	for (i = a->via.array.size; i > 0; i--)
		if ((n = qc_map_get(qc_map_get(&a->via.array.ptr[i - 1],
		    "fields"), "name")) != NULL)
			return n;
	return NULL;
}

/* 基本信息: subject, name, region, verdict. */
static void
basics(struct cli *cli, const msgpack_object *res)
{
	const msgpack_object	*region = qc_map_get(res, "region"), *names;
	FILE			*f = cli->out;
	uint32_t		 i;

	fputs("基本信息\n", f);
	line(f, 2, "主体", qc_map_get(res, "subject"));
	line(f, 2, "名称", name_of(res));
	key(f, 2, "所在地区");
	names = qc_map_get(region, "names");
	if (names != NULL && names->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < names->via.array.size; i++) {
			if (i > 0)
				putc(' ', f);
			pr_scalar(f, qc_map_get(&names->via.array.ptr[i],
			    "name"));
		}
		fputs("（", f);
		pr_scalar(f, qc_map_get(region, "code"));
		fputs("）", f);
	} else
		fputs("-", f);
	putc('\n', f);
	key(f, 2, "信用结论");
	labelled(f, qc_map_get(res, "verdict"), verdicts);
	putc('\n', f);
}

/*
 *   企业质量信用评价（credit）  第 2 版  有效（active）
 *     grade        D (严重失信)
 *     score        20
 *     有效期       2026-01-01 至 2027-06-30
 *     异议         case 3 (异议处理中)
 *     登记         2026-03-01 08:00:00 +08:00 quality-bureau，seq 42
 * The list's start and end fields make the validity line.
 */
static void
entry(struct cli *cli, const msgpack_object *e)
{
	const msgpack_object	*def = list_def(cli, e);
	const msgpack_object	*fields = qc_map_get(e, "fields");
	const msgpack_object	*start = qc_map_get(def, "start");
	const msgpack_object	*end = qc_map_get(def, "end"), *k;
	FILE			*f = cli->out;
	char			 list[LIST_NAME_MAX];
	int			 has_list;
	uint64_t		 u;
	uint32_t		 i;

	has_list = pr_objstr(qc_map_get(e, "list"), list, sizeof(list)) !=
	    NULL;
	pr_pad(f, 0, 2);
	list_title(cli, e);
	fputs("  第 ", f);
	pr_scalar(f, qc_map_get(e, "version"));
	fputs(" 版  ", f);
	labelled(f, qc_map_get(e, "state"), states);
	putc('\n', f);
	if (fields != NULL && fields->type == MSGPACK_OBJECT_MAP) {
		for (i = 0; i < fields->via.map.size; i++) {
			k = &fields->via.map.ptr[i].key;
			if (qc_obj_streq(k, "name") || same_str(k, start) ||
			    same_str(k, end))
				continue;
			pr_field_line(cli, has_list ? list : NULL,
			    &fields->via.map.ptr[i], 4, 8);
		}
	}
	if (start != NULL || end != NULL) {
		key(f, 4, "有效期");
		pr_scalar(f, field_named(fields, start));
		fputs(" 至 ", f);
		pr_scalar(f, field_named(fields, end));
		putc('\n', f);
	}
	if (qc_obj_uint(qc_map_get(e, "disputed"), &u) == 0) {
		key(f, 4, "异议");
		pr_disputed(f, u);
		putc('\n', f);
	}
	if (qc_map_get(e, "reason") != NULL)
		line(f, 4, "移出原因", qc_map_get(e, "reason"));
	key(f, 4, "登记");
	time_at(cli, qc_map_get(e, "at"));
	if (qc_map_get(e, "by") != NULL) {
		putc(' ', f);
		pr_scalar(f, qc_map_get(e, "by"));
	}
	if (qc_obj_uint(qc_map_get(e, "seq"), &u) == 0)
		fprintf(f, "，seq %" PRIu64, u);
	putc('\n', f);
}

/* A proposed listing (an open notice case) of a list in the section. */
static void
proposal(struct cli *cli, const msgpack_object *p)
{
	const msgpack_object	*fields = qc_map_get(p, "fields");
	FILE			*f = cli->out;
	char			 list[LIST_NAME_MAX];

	pr_pad(f, 0, 2);
	list_title(cli, p);
	fputs("  拟列入（告知中）  案件 ", f);
	pr_scalar(f, qc_map_get(p, "case"));
	fputs("，期限 ", f);
	pr_scalar(f, qc_map_get(p, "deadline"));
	putc('\n', f);
	pr_field_lines(cli, pr_objstr(qc_map_get(p, "list"), list,
	    sizeof(list)), fields, 4, pr_keys_width(fields, 8));
}

/* Section s: its lists' entries and proposals, and the escalation. */
static void
lists(struct cli *cli, const msgpack_object *res, size_t s)
{
	static const char *const keys[] = { "entries", "proposed" };
	const msgpack_object	*a, *esc = qc_map_get(res, "escalation");
	FILE			*f = cli->out;
	uint32_t		 i, k, n = 0;

	fprintf(f, "\n%s\n", sections[s].title);
	for (k = 0; k < 2; k++) {
		if ((a = qc_map_get(res, keys[k])) == NULL ||
		    a->type != MSGPACK_OBJECT_ARRAY)
			continue;
		for (i = 0; i < a->via.array.size; i++) {
			if (!in_section(cli, &a->via.array.ptr[i], s))
				continue;
			if (k == 0)
				entry(cli, &a->via.array.ptr[i]);
			else
				proposal(cli, &a->via.array.ptr[i]);
			n++;
		}
	}
	/* The escalation belongs to its watch list's section. */
	if (esc != NULL && esc->type == MSGPACK_OBJECT_MAP &&
	    in_section(cli, esc, s)) {
		pr_pad(f, 0, 2);
		fputs("升级提示  ", f);
		pr_escalation_obj(f, esc);
		putc('\n', f);
		n++;
	}
	if (n == 0)
		fputs("  无\n", f);
}

/* 处理程序: one row per case. */
static int
cases(struct cli *cli, const msgpack_object *res)
{
	static const char *const heads[] = { "案件", "类型", "名单", "状态",
	    "受理日期", "期限", "办结日期", "结果" };
	const msgpack_object	*a, *c, *o;
	struct table		 t;
	const char		*label;
	uint32_t		 i;
	int			 rc;

	if ((a = table_section(cli, res, "cases", "处理程序", heads, 8,
	    &t)) == NULL)
		return CLI_OK;
	for (i = 0; i < a->via.array.size; i++) {
		c = &a->via.array.ptr[i];
		o = qc_map_get(c, "case");
		tbl_addf(&t, "  %" PRIu64, o != NULL && o->type ==
		    MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0);
		o = qc_map_get(c, "kind");
		label = o != NULL && o->type == MSGPACK_OBJECT_STR ?
		    pr_kind_label(o->via.str.ptr, o->via.str.size) : NULL;
		if (label != NULL)
			tbl_addf(&t, "%s", label);
		else
			tbl_obj(&t, o);
		tbl_obj(&t, qc_map_get(c, "list"));
		o = qc_map_get(c, "state");
		if ((label = label_of(o, case_states)) != NULL)
			tbl_addf(&t, "%s", label);
		else
			tbl_obj(&t, o);
		tbl_obj(&t, qc_map_get(c, "received_on"));
		tbl_obj(&t, qc_map_get(c, "deadline"));
		tbl_obj(&t, qc_map_get(c, "closed_on"));
		o = qc_map_get(c, "outcome");
		if ((label = label_of(o, outcomes)) != NULL)
			tbl_addf(&t, "%s", label);
		else
			tbl_obj(&t, o);
	}
	rc = tbl_print(&t, cli->out);
	tbl_free(&t);
	return rc;
}

/* 变更记录: one row per version, oldest first. */
static int
versions(struct cli *cli, const msgpack_object *res)
{
	static const char *const heads[] = { "日期", "名单", "版本", "操作",
	    "操作人", "seq" };
	const msgpack_object	*a, *v;
	struct table		 t;
	char			 when[CLI_TIME_LEN];
	const char		*op;
	uint64_t		 at, ver = 0, c;
	uint32_t		 i;
	int			 rc;

	if ((a = table_section(cli, res, "versions", "变更记录", heads, 6,
	    &t)) == NULL)
		return CLI_OK;
	for (i = 0; i < a->via.array.size; i++) {
		v = &a->via.array.ptr[i];
		if (qc_obj_uint(qc_map_get(v, "at"), &at) == 0) {
			cli_time_format(when, sizeof(when), at, cli->tz);
			tbl_addf(&t, "  %.*s", DATE_LEN, when);
		} else
			tbl_addf(&t, "  -");
		tbl_obj(&t, qc_map_get(v, "list"));
		tbl_obj(&t, qc_map_get(v, "version"));
		if (qc_obj_uint(qc_map_get(v, "version"), &ver) != 0)
			ver = 0;
		op = qc_obj_streq(qc_map_get(v, "status"), "removed") ?
		    "移出" : ver == 1 ? "列入" : "变更";
		/* A version a case's closing wrote names the case. */
		if (qc_obj_uint(qc_map_get(v, "case"), &c) == 0)
			tbl_addf(&t, "%s，案件 %" PRIu64, op, c);
		else
			tbl_addf(&t, "%s", op);
		tbl_obj(&t, qc_map_get(v, "by"));
		tbl_obj(&t, qc_map_get(v, "seq"));
	}
	rc = tbl_print(&t, cli->out);
	tbl_free(&t);
	return rc;
}

/* The head of the log the report was read at. */
static void
registry(struct cli *cli, const msgpack_object *res)
{
	const msgpack_object	*reg = qc_map_get(res, "registry");
	FILE			*f = cli->out;

	fputs("\n登记簿状态（出具报告时）\n", f);
	line(f, 2, "seq", qc_map_get(reg, "seq"));
	line(f, 2, "hash", qc_map_get(reg, "hash"));
	key(f, 2, "时间");
	time_at(cli, qc_map_get(reg, "time"));
	putc('\n', f);
}

int
report_print(struct cli *cli, const msgpack_object *res)
{
	size_t	 s;
	int	 rc;

	if (res == NULL || res->type != MSGPACK_OBJECT_MAP ||
	    qc_map_get(res, "subject") == NULL)
		return cli_error(QCREG_E_PROTO, "the answer is not a report");
	fputs("企业质量信用报告\n\n", cli->out);
	basics(cli, res);
	for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
		lists(cli, res, s);
	if ((rc = cases(cli, res)) != CLI_OK ||
	    (rc = versions(cli, res)) != CLI_OK)
		return rc;
	registry(cli, res);
	return CLI_OK;
}
