/*
 * qcreg case list (and its alias cases): every page of the cases a
 * filter selects, as one table or one JSON document.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "msg.h"

#define SUBJECT_COLS	40	/* a subject wider than this is cut */

/* A listing in progress. */
struct cases {
	struct cli			*cli;
	struct table			 t;
	struct qcreg_case_filter	 flt;
	uint64_t			 total;	/* cases so far */
	int				 provisional; /* a deadline is */
};

static int	 cases_filter(struct cli *, int, char **,
		    struct qcreg_case_filter *);
static void	 case_row(struct cases *, const msgpack_object *);
static int	 cases_page(struct cases *, const msgpack_object *);
static int	 cases_fetch(struct cases *, int *);

/*
 * The filter the options give: --state or one of its shortcuts
 * (--overdue, --due [N], --closed), --within, --list, --kind. The one
 * argument there may be is the N of "--due N".
 */
static int
cases_filter(struct cli *cli, int argc, char **argv,
    struct qcreg_case_filter *f)
{
	int64_t	 v;

	memset(f, 0, sizeof(*f));
	f->state = cli->state_alias != NULL ? cli->state_alias : cli->state;
	f->within = cli->within;
	f->list = cli->list;
	f->kind = cli->kind;
	if (cli->state_alias != NULL && cli->state != NULL)
		return cli_error(QCREG_E_USAGE, "--state and --%s exclude "
		    "each other", cli->state_alias);
	if (argc == 0)
		return CLI_OK;
	if (cli->state_alias == NULL || strcmp(cli->state_alias, "due") != 0 ||
	    cli->within >= 0 || cli_parse_int(argv[0], 0, INT32_MAX, &v) != 0)
		return cli_error(QCREG_E_USAGE, "unexpected argument: %s (a "
		    "number only follows --due)", argv[0]);
	f->within = (int)v;
	return CLI_OK;
}

/* CASE KIND LIST SUBJECT STATE RECEIVED DEADLINE OUTCOME */
static void
case_row(struct cases *cs, const msgpack_object *c)
{
	const msgpack_object	*o, *prov;
	struct table		*t = &cs->t;
	const char		*label;

	tbl_obj(t, qc_map_get(c, "case"));
	o = qc_map_get(c, "kind");
	if (o != NULL && o->type == MSGPACK_OBJECT_STR &&
	    (label = pr_kind_label(o->via.str.ptr, o->via.str.size)) != NULL)
		tbl_addf(t, "%.*s %s", (int)o->via.str.size, o->via.str.ptr,
		    label);
	else
		tbl_obj(t, o);
	tbl_obj(t, qc_map_get(c, "list"));
	o = qc_map_get(c, "subject");
	if (o != NULL && o->type == MSGPACK_OBJECT_STR)
		tbl_trunc(t, o->via.str.ptr, o->via.str.size, SUBJECT_COLS);
	else
		tbl_obj(t, o);
	tbl_obj(t, qc_map_get(c, "state"));
	tbl_obj(t, qc_map_get(c, "received_on"));
	o = qc_map_get(c, "deadline");
	prov = qc_map_get(c, "provisional");
	if (o != NULL && o->type == MSGPACK_OBJECT_STR && prov != NULL &&
	    prov->type == MSGPACK_OBJECT_BOOLEAN && prov->via.boolean) {
		tbl_addf(t, "%.*s*", (int)o->via.str.size, o->via.str.ptr);
		cs->provisional = 1;
	} else
		tbl_obj(t, o);
	tbl_obj(t, qc_map_get(c, "outcome"));
}

/* One page: the cases as rows, or as items of the JSON array. */
static int
cases_page(struct cases *cs, const msgpack_object *cases)
{
	struct cli	*cli = cs->cli;
	uint32_t	 i;

	for (i = 0; i < cases->via.array.size; i++) {
		if (!cli->json) {
			case_row(cs, &cases->via.array.ptr[i]);
			continue;
		}
		fputs(cs->total + i > 0 ? ",\n" : "\n", cli->out);
		if (cli_json_write(cli->out,
		    cli_json_from_msgpack(&cases->via.array.ptr[i])) != 0)
			return cli_error(QCREG_E_IO, "cannot write the JSON of "
			    "a case");
	}
	cs->total += cases->via.array.size;
	return CLI_OK;
}

/*
 * Fetches and prints the page after cs->flt.after. Returns CLI_OK and
 * sets *more when there is a next page (then in cs->flt.after).
 */
static int
cases_fetch(struct cases *cs, int *more)
{
	struct qcreg_reply	*r;
	const msgpack_object	*res, *cases, *next;
	uint64_t		 after;
	int			 rc;

	*more = 0;
	if ((rc = qcreg_cases(cs->cli->c, &cs->flt, &r)) != 0)
		return cli_fail(cs->cli, rc);
	res = qcreg_reply_result(r);
	cases = qc_map_get(res, "cases");
	next = qc_map_get(res, "next");
	if (cases == NULL || cases->type != MSGPACK_OBJECT_ARRAY)
		rc = cli_error(QCREG_E_PROTO, "cases answer without cases");
	else
		rc = cases_page(cs, cases);
	if (rc == CLI_OK && next != NULL && next->type != MSGPACK_OBJECT_NIL) {
		/* A server that does not advance would loop forever. */
		if (qc_obj_uint(next, &after) != 0 || after <= cs->flt.after)
			rc = cli_error(QCREG_E_PROTO, "cases answer with a bad "
			    "next");
		else {
			cs->flt.after = after;
			*more = 1;
		}
	}
	qcreg_reply_free(r);
	return rc;
}

/*
 * case list / cases: every page. The JSON form is one document
 * {"cases": [...], "next": null}, streamed page by page.
 */
int
cmd_cases(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "CASE", "KIND", "LIST", "SUBJECT",
	    "STATE", "RECEIVED", "DEADLINE", "OUTCOME" };
	struct cases	 cs;
	size_t		 i;
	int		 rc, more;

	memset(&cs, 0, sizeof(cs));
	cs.cli = cli;
	if ((rc = cases_filter(cli, argc, argv, &cs.flt)) != CLI_OK)
		return rc;
	tbl_init(&cs.t, sizeof(head) / sizeof(head[0]));
	cs.t.right = 1u << 0;
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		tbl_add(&cs.t, head[i], strlen(head[i]));
	if (cli->json)
		fputs("{\"cases\":[", cli->out);
	while ((rc = cases_fetch(&cs, &more)) == CLI_OK && more)
		;
	if (cli->json)
		fputs(cs.total > 0 ? "\n],\"next\":null}\n" :
		    "],\"next\":null}\n", cli->out);
	else if (rc == CLI_OK && cs.total == 0)
		fputs("no cases\n", cli->out);
	else if (rc == CLI_OK) {
		rc = tbl_print(&cs.t, cli->out);
		if (rc == CLI_OK && cs.provisional)
			fputs("* provisional: counted past the years the "
			    "working-day calendar covers\n", cli->out);
	}
	tbl_free(&cs.t);
	return rc;
}
