/*
 * qcreg scan and changes: walking a list and the change log.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"
#include "qcreg_json.h"

#define NAME_COLS	32	/* a name column wider than this is cut */
#define HASH_SHOWN	12	/* hex digits of a hash in the table */

static void	 scan_rows(struct cli *, struct table *, const char *,
		    const msgpack_object *);

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
 * scan LIST: one page, or with --all every page (following next). The
 * JSON form of --all is one document {"entries": [...], "next": null}.
 */
int
cmd_scan(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r = NULL;
	const msgpack_object	*res, *entries, *next;
	struct table		 t;
	char			 after[512], next_prev[512];
	const char		*list = argv[0], *from = cli->after;
	uint64_t		 total = 0;
	uint32_t		 i;
	int			 rc = CLI_OK, qrc;

	(void)argc;
	tbl_init(&t, 5);
	tbl_add(&t, "SUBJECT", 7);
	tbl_add(&t, "V", 1);
	tbl_add(&t, "STATE", 5);
	tbl_add(&t, "NAME", 4);
	tbl_add(&t, "DETAILS", 7);
	t.right = 1u << 1;
	if (cli->json && cli->all)
		fputs("{\"entries\":[", cli->out);
	for (;;) {
		if ((qrc = qcreg_scan(cli->c, list, from, cli->limit,
		    cli->state, &r)) != 0) {
			rc = cli_fail(cli, qrc);
			break;
		}
		res = qcreg_reply_result(r);
		entries = qc_map_get(res, "entries");
		next = qc_map_get(res, "next");
		if (entries == NULL || entries->type != MSGPACK_OBJECT_ARRAY) {
			rc = cli_error(QCREG_E_PROTO, "scan answer without "
			    "entries");
			break;
		}
		if (cli->json && !cli->all) {
			rc = pr_json(cli, res);
			break;
		}
		for (i = 0; cli->json && i < entries->via.array.size; i++) {
			fputs(total + i > 0 ? ",\n" : "\n", cli->out);
			qcreg_json_obj(cli->out, &entries->via.array.ptr[i]);
		}
		if (!cli->json)
			scan_rows(cli, &t, list, entries);
		total += entries->via.array.size;
		if (!cli->all || next == NULL ||
		    next->type == MSGPACK_OBJECT_NIL)
			break;
		if (pr_objstr(next, after, sizeof(after)) == NULL) {
			rc = cli_error(QCREG_E_PROTO, "scan answer with a bad "
			    "next");
			break;
		}
		/* A server that does not advance would loop forever. */
		if (from == after && strcmp(next_prev, after) >= 0) {
			rc = cli_error(QCREG_E_PROTO, "scan does not advance");
			break;
		}
		memcpy(next_prev, after, sizeof(next_prev));
		from = after;
		qcreg_reply_free(r);
		r = NULL;
	}
	if (cli->json && cli->all)
		fputs(total > 0 ? "\n],\"next\":null}\n" :
		    "],\"next\":null}\n", cli->out);
	if (rc == CLI_OK && !cli->json) {
		if (total == 0)
			fputs("no entries\n", cli->out);
		else
			rc = tbl_print(&t, cli->out);
		next = r != NULL ? qc_map_get(qcreg_reply_result(r), "next") :
		    NULL;
		if (rc == CLI_OK && !cli->all && next != NULL &&
		    next->type == MSGPACK_OBJECT_STR) {
			fputs("more: --after ", cli->out);
			pr_scalar(cli->out, next);
			putc('\n', cli->out);
		}
	}
	qcreg_reply_free(r);
	tbl_free(&t);
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
	char			 when[64];
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
			pr_timestr(when, sizeof(when), u);
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
