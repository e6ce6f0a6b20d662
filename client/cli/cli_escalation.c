/*
 * qcreg escalations and dismiss: subjects that watch lists escalate and
 * wait for a decision (PROTOCOL.md 4.6), and deciding not to list one.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "msg.h"

/* A listing in progress. */
struct escs {
	struct cli	*cli;
	struct table	 t;
	const char	*list;		/* only escalations to it, or NULL */
	const char	*from;		/* where this page starts, or NULL */
	uint64_t	 total;		/* escalations so far */
	char		 after[512];	/* next of the last page */
};

static int	 escs_page(struct escs *, const msgpack_object *);
static int	 escs_fetch(struct escs *, int *);

/* SUBJECT WATCH TO COUNT FIRST LAST, or items of the JSON array. */
static int
escs_page(struct escs *es, const msgpack_object *escs)
{
	const msgpack_object	*e;
	struct cli		*cli = es->cli;
	uint32_t		 i;

	for (i = 0; i < escs->via.array.size; i++) {
		e = &escs->via.array.ptr[i];
		if (cli->json) {
			fputs(es->total + i > 0 ? ",\n" : "\n", cli->out);
			if (cli_json_write(cli->out,
			    cli_json_from_msgpack(e)) != 0)
				return cli_error(QCREG_E_IO, "cannot write the "
				    "JSON of an escalation");
			continue;
		}
		tbl_obj(&es->t, qc_map_get(e, "subject"));
		tbl_obj(&es->t, qc_map_get(e, "list"));
		tbl_obj(&es->t, qc_map_get(e, "to"));
		tbl_obj(&es->t, qc_map_get(e, "count"));
		tbl_obj(&es->t, qc_map_get(e, "first"));
		tbl_obj(&es->t, qc_map_get(e, "last"));
	}
	es->total += escs->via.array.size;
	return CLI_OK;
}

/*
 * Fetches and prints the page after es->from. Returns CLI_OK and sets
 * *more when there is a next page (then es->from).
 */
static int
escs_fetch(struct escs *es, int *more)
{
	struct qcreg_reply	*r;
	const msgpack_object	*res, *escs, *next;
	char			 prev[sizeof(es->after)];
	int			 rc;

	*more = 0;
	if ((rc = qcreg_escalations(es->cli->c, es->list, es->from, 0,
	    &r)) != 0)
		return cli_fail(es->cli, rc);
	res = qcreg_reply_result(r);
	escs = qc_map_get(res, "escalations");
	next = qc_map_get(res, "next");
	if (escs == NULL || escs->type != MSGPACK_OBJECT_ARRAY)
		rc = cli_error(QCREG_E_PROTO, "escalations answer without "
		    "escalations");
	else
		rc = escs_page(es, escs);
	if (rc == CLI_OK && next != NULL && next->type != MSGPACK_OBJECT_NIL) {
		memcpy(prev, es->after, sizeof(prev));
		/* A server that does not advance would loop forever. */
		if (pr_objstr(next, es->after, sizeof(es->after)) == NULL ||
		    (es->from != NULL && strcmp(es->after, prev) <= 0))
			rc = cli_error(QCREG_E_PROTO, "escalations answer "
			    "with a bad next");
		else {
			es->from = es->after;
			*more = 1;
		}
	}
	qcreg_reply_free(r);
	return rc;
}

/*
 * escalations [LIST]: every page. The JSON form is one document
 * {"escalations": [...], "next": null}, streamed page by page.
 */
int
cmd_escalations(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "SUBJECT", "WATCH LIST", "TO",
	    "COUNT", "FIRST", "LAST" };
	struct escs	 es;
	size_t		 i;
	int		 rc, more;

	memset(&es, 0, sizeof(es));
	es.cli = cli;
	es.list = argc > 0 ? argv[0] : NULL;
	tbl_init(&es.t, sizeof(head) / sizeof(head[0]));
	es.t.right = 1u << 3;
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		tbl_add(&es.t, head[i], strlen(head[i]));
	if (cli->json)
		fputs("{\"escalations\":[", cli->out);
	while ((rc = escs_fetch(&es, &more)) == CLI_OK && more)
		;
	if (cli->json)
		fputs(es.total > 0 ? "\n],\"next\":null}\n" :
		    "],\"next\":null}\n", cli->out);
	else if (rc == CLI_OK && es.total == 0)
		fputs("no escalations\n", cli->out);
	else if (rc == CLI_OK)
		rc = tbl_print(&es.t, cli->out);
	tbl_free(&es.t);
	return rc;
}

/*
 * dismiss LIST SUBJECT --reason TEXT
 *   dismissed tourism guide:D-4101-000123: seq 61
 */
int
cmd_dismiss(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r;
	struct qcreg_write	 w;
	int			 rc;

	(void)argc;
	if ((rc = qcreg_escalation_dismiss(cli->c, argv[0], argv[1],
	    cli->reason, cli->idem, &r)) != 0)
		return cli_fail(cli, rc);
	if ((rc = qcreg_reply_write(r, &w)) != 0)
		rc = cli_error(rc, "malformed escalation_dismiss answer");
	else if (cli->json)
		rc = pr_json(cli, qcreg_reply_result(r));
	else {
		fputs("dismissed ", cli->out);
		pr_text(cli->out, argv[0], strlen(argv[0]));
		putc(' ', cli->out);
		pr_text(cli->out, argv[1], strlen(argv[1]));
		fprintf(cli->out, ": seq %" PRIu64 "\n", w.seq);
	}
	qcreg_reply_free(r);
	return rc;
}
