/*
 * qcreg scan and changes: walking a list and the change log.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "cli_json.h"
#include "cli_time.h"

#define NAME_COLS	32	/* a name column wider than this is cut */
#define HASH_SHOWN	12	/* hex digits of a hash in the table */

/* A scan in progress. */
struct scan {
	struct table	 t;		/* the rows, printed at the end */
	const char	*list;
	const char	*from;		/* where this page starts, or NULL */
	uint64_t	 total;		/* entries so far */
	char		 after[512];	/* next of the last page */
	char		 prev[512];	/* next of the page before */
};

static void	 scan_rows(struct cli *, struct table *, const char *,
		    const msgpack_object *);
static int	 scan_page(struct cli *, struct table *, const char *,
		    const msgpack_object *, uint64_t);
static int	 scan_advance(struct scan *, const msgpack_object *);
static int	 scan_finish(struct cli *, struct scan *,
		    struct qcreg_reply *);
static int	 scan_fetch(struct cli *, struct scan *, struct qcreg_reply **,
		    int *);

/* SUBJECT  V  STATE  NAME  DETAILS, one row per entry. */
static void
scan_rows(struct cli *cli, struct table *t, const char *list,
    const msgpack_object *entries)
{
	const msgpack_object	*e, *name;
	char			 details[512];
	uint32_t		 i;

	for (i = 0; i < entries->via.array.size; i++) {
		e = &entries->via.array.ptr[i];
		tbl_obj(t, qc_map_get(e, "subject"));
		tbl_obj(t, qc_map_get(e, "version"));
		tbl_obj(t, qc_map_get(e, "state"));
		name = qc_map_get(qc_map_get(e, "fields"), "name");
		if (name != NULL && name->type == MSGPACK_OBJECT_STR)
			tbl_trunc(t, name->via.str.ptr, name->via.str.size,
			    NAME_COLS);
		else
			tbl_add(t, "-", 1);
		pr_fields(cli, list, qc_map_get(e, "fields"), details,
		    sizeof(details));
		tbl_add(t, details, strlen(details));
	}
}

/*
 * One page of scan --all: the entries as items of the JSON array, or as
 * rows of the table.
 */
static int
scan_page(struct cli *cli, struct table *t, const char *list,
    const msgpack_object *entries, uint64_t total)
{
	uint32_t	 i;

	if (!cli->json) {
		scan_rows(cli, t, list, entries);
		return CLI_OK;
	}
	for (i = 0; i < entries->via.array.size; i++) {
		fputs(total + i > 0 ? ",\n" : "\n", cli->out);
		if (cli_json_write(cli->out,
		    cli_json_from_msgpack(&entries->via.array.ptr[i])) != 0)
			return cli_error(QCREG_E_IO, "cannot write the JSON of "
			    "an entry");
	}
	return CLI_OK;
}

/*
 * Moves the scan to the page after next: copies it into sc->after.
 * Returns CLI_OK, or CLI_ERR if next is bad or does not advance.
 */
static int
scan_advance(struct scan *sc, const msgpack_object *next)
{
	if (pr_objstr(next, sc->after, sizeof(sc->after)) == NULL)
		return cli_error(QCREG_E_PROTO, "scan answer with a bad next");
	/* A server that does not advance would loop forever. */
	if (sc->from == sc->after && strcmp(sc->prev, sc->after) >= 0)
		return cli_error(QCREG_E_PROTO, "scan does not advance");
	memcpy(sc->prev, sc->after, sizeof(sc->prev));
	sc->from = sc->after;
	return CLI_OK;
}

/* After the last page: the table, and where a next page would start. */
static int
scan_finish(struct cli *cli, struct scan *sc, struct qcreg_reply *r)
{
	const msgpack_object	*next;
	int			 rc = CLI_OK;

	if (sc->total == 0)
		fputs("no entries\n", cli->out);
	else
		rc = tbl_print(&sc->t, cli->out);
	next = r != NULL ? qc_map_get(qcreg_reply_result(r), "next") : NULL;
	if (rc == CLI_OK && !cli->all && next != NULL &&
	    next->type == MSGPACK_OBJECT_STR) {
		fputs("more: --after ", cli->out);
		pr_scalar(cli->out, next);
		putc('\n', cli->out);
	}
	return rc;
}

/*
 * Fetches and prints one page into sc. Returns CLI_OK and sets *more when
 * --all has a next page to fetch, or an error. *r keeps the answer.
 */
static int
scan_fetch(struct cli *cli, struct scan *sc, struct qcreg_reply **r,
    int *more)
{
	const msgpack_object	*res, *entries, *next;
	int			 rc;

	*more = 0;
	if ((rc = qcreg_scan(cli->c, sc->list, sc->from, cli->limit,
	    cli->state, r)) != 0)
		return cli_fail(cli, rc);
	res = qcreg_reply_result(*r);
	entries = qc_map_get(res, "entries");
	next = qc_map_get(res, "next");
	if (entries == NULL || entries->type != MSGPACK_OBJECT_ARRAY)
		return cli_error(QCREG_E_PROTO, "scan answer without entries");
	if (cli->json && !cli->all)
		return pr_json(cli, res);
	if ((rc = scan_page(cli, &sc->t, sc->list, entries, sc->total)) !=
	    CLI_OK)
		return rc;
	sc->total += entries->via.array.size;
	if (!cli->all || next == NULL || next->type == MSGPACK_OBJECT_NIL)
		return CLI_OK;
	*more = 1;
	return scan_advance(sc, next);
}

/*
 * scan LIST: one page, or with --all every page (following next). The
 * JSON form of --all is one document {"entries": [...], "next": null}.
 */
int
cmd_scan(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r = NULL;
	struct scan		 sc;
	int			 rc, more;

	(void)argc;
	memset(&sc, 0, sizeof(sc));
	sc.list = argv[0];
	sc.from = cli->after;
	tbl_init(&sc.t, 5);
	tbl_add(&sc.t, "SUBJECT", 7);
	tbl_add(&sc.t, "V", 1);
	tbl_add(&sc.t, "STATE", 5);
	tbl_add(&sc.t, "NAME", 4);
	tbl_add(&sc.t, "DETAILS", 7);
	sc.t.right = 1u << 1;
	/* Streamed: only the entries are built (cli_json), page by page. */
	if (cli->json && cli->all)
		fputs("{\"entries\":[", cli->out);
	while ((rc = scan_fetch(cli, &sc, &r, &more)) == CLI_OK && more) {
		qcreg_reply_free(r);
		r = NULL;
	}
	if (cli->json && cli->all)
		fputs(sc.total > 0 ? "\n],\"next\":null}\n" :
		    "],\"next\":null}\n", cli->out);
	if (rc == CLI_OK && !cli->json)
		rc = scan_finish(cli, &sc, r);
	qcreg_reply_free(r);
	tbl_free(&sc.t);
	return rc;
}

/* SEQ  AT  OP  LIST  SUBJECT  V  PRINCIPAL  HASH, then the head. */
int
cmd_changes(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r;
	const msgpack_object	*res, *ch, *c, *h;
	struct table		 t;
	uint64_t		 u;
	uint32_t		 i;
	char			 when[CLI_TIME_LEN];
	int			 rc;

	(void)argc;
	(void)argv;
	if ((rc = qcreg_changes(cli->c, cli->since, cli->limit, &r)) != 0)
		return cli_fail(cli, rc);
	res = qcreg_reply_result(r);
	if (cli->json) {
		rc = pr_json(cli, res);
		qcreg_reply_free(r);
		return rc;
	}
	ch = qc_map_get(res, "changes");
	if (ch == NULL || ch->type != MSGPACK_OBJECT_ARRAY) {
		qcreg_reply_free(r);
		return cli_error(QCREG_E_PROTO, "changes answer without changes");
	}
	tbl_init(&t, 8);
	t.right = 1u << 0 | 1u << 5;
	tbl_add(&t, "SEQ", 3);
	tbl_add(&t, "AT", 2);
	tbl_add(&t, "OP", 2);
	tbl_add(&t, "LIST", 4);
	tbl_add(&t, "SUBJECT", 7);
	tbl_add(&t, "V", 1);
	tbl_add(&t, "PRINCIPAL", 9);
	tbl_add(&t, "HASH", 4);
	for (i = 0; i < ch->via.array.size; i++) {
		c = &ch->via.array.ptr[i];
		tbl_obj(&t, qc_map_get(c, "seq"));
		if (qc_obj_uint(qc_map_get(c, "at"), &u) == 0) {
			cli_time_format(when, sizeof(when), u, cli->tz);
			tbl_add(&t, when, strlen(when));
		} else
			tbl_add(&t, "-", 1);
		tbl_obj(&t, qc_map_get(c, "op"));
		tbl_obj(&t, qc_map_get(c, "list"));
		tbl_obj(&t, qc_map_get(c, "subject"));
		tbl_obj(&t, qc_map_get(c, "version"));
		tbl_obj(&t, qc_map_get(c, "principal"));
		h = qc_map_get(c, "hash");
		if (h != NULL && h->type == MSGPACK_OBJECT_STR &&
		    h->via.str.size > HASH_SHOWN)
			tbl_trunc(&t, h->via.str.ptr, h->via.str.size,
			    HASH_SHOWN + 1);
		else
			tbl_obj(&t, h);
	}
	if (ch->via.array.size > 0)
		rc = tbl_print(&t, cli->out);
	else
		fputs("no changes\n", cli->out);
	fputs("head ", cli->out);
	pr_scalar(cli->out, qc_map_get(res, "head"));
	putc('\n', cli->out);
	tbl_free(&t);
	qcreg_reply_free(r);
	return rc;
}
