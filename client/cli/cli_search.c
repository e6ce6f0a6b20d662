/*
 * qcreg search TEXT...: a page of search (PROTOCOL.md 5, search) as a
 * table, best match first, and how to ask for the next page.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

#define NAME_COLS	40	/* a name wider than this is cut */

static char	*search_text(int, char **);
static void	 search_lists(struct table *, const msgpack_object *);

/* The words of the command line, joined by spaces; NULL without memory. */
static char *
search_text(int argc, char **argv)
{
	size_t	 len = 1, at = 0, n;
	char	*q;
	int	 i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((q = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i > 0)
			q[at++] = ' ';
		n = strlen(argv[i]);
		memcpy(q + at, argv[i], n);
		at += n;
	}
	q[at] = '\0';
	return q;
}

/* "credit:active, tourism:expired" */
static void
search_lists(struct table *t, const msgpack_object *lists)
{
	char		 buf[512], one[256];
	size_t		 used = 0, n;
	uint32_t	 i;
	const msgpack_object *l;

	buf[0] = '\0';
	for (i = 0; lists != NULL && lists->type == MSGPACK_OBJECT_ARRAY &&
	    i < lists->via.array.size; i++) {
		l = &lists->via.array.ptr[i];
		n = (size_t)snprintf(one, sizeof(one), "%s%s:%s",
		    used > 0 ? ", " : "", pr_objstr(qc_map_get(l, "list"),
		    (char[128]){ 0 }, 128), pr_objstr(qc_map_get(l, "state"),
		    (char[32]){ 0 }, 32));
		if (n >= sizeof(one) || used + n >= sizeof(buf))
			break;
		memcpy(buf + used, one, n + 1);
		used += n;
	}
	tbl_add(t, used > 0 ? buf : "-", used > 0 ? used : 1);
}

int
cmd_search(struct cli *cli, int argc, char **argv)
{
	struct qcreg_search_query sq;
	struct qcreg_reply	*r;
	const msgpack_object	*res, *rows, *row, *name, *next, *trunc;
	struct table		 t;
	uint32_t		 i;
	char			*q;
	int			 rc;

	if ((q = search_text(argc, argv)) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	memset(&sq, 0, sizeof(sq));
	sq.q = q;
	sq.lists = (const char *const *)cli->lists;
	sq.nlists = cli->nlists;
	sq.limit = cli->limit;
	sq.after = cli->after;
	rc = qcreg_search(cli->c, &sq, &r);
	free(q);
	if (rc != 0)
		return cli_fail(cli, rc);
	res = qcreg_reply_result(r);
	rows = qc_map_get(res, "results");
	if (cli->json || rows == NULL || rows->type != MSGPACK_OBJECT_ARRAY) {
		rc = cli->json ? pr_json(cli, res) : cli_error(QCREG_E_PROTO,
		    "search answer without results");
		qcreg_reply_free(r);
		return rc;
	}
	tbl_init(&t, 4);
	tbl_add(&t, "NAME", 4);
	tbl_add(&t, "SUBJECT", 7);
	tbl_add(&t, "LISTS", 5);
	tbl_add(&t, "VERDICT", 7);
	for (i = 0; i < rows->via.array.size; i++) {
		row = &rows->via.array.ptr[i];
		name = qc_map_get(row, "name");
		if (name != NULL && name->type == MSGPACK_OBJECT_STR)
			tbl_trunc(&t, name->via.str.ptr, name->via.str.size,
			    NAME_COLS);
		else
			tbl_add(&t, "-", 1);
		tbl_obj(&t, qc_map_get(row, "subject"));
		search_lists(&t, qc_map_get(row, "lists"));
		tbl_obj(&t, qc_map_get(row, "verdict"));
	}
	if (rows->via.array.size == 0)
		fputs("no match\n", cli->out);
	else if (tbl_print(&t, cli->out) == -1)
		rc = cli_error(QCREG_E_NOMEM, "out of memory");
	tbl_free(&t);
	trunc = qc_map_get(res, "truncated");
	if (trunc != NULL && trunc->type == MSGPACK_OBJECT_BOOLEAN &&
	    trunc->via.boolean)
		fputs("(over 10,000 matches: these are ranked among the first "
		    "found; a longer text finds the rest)\n", cli->out);
	next = qc_map_get(res, "next");
	if (next != NULL && next->type == MSGPACK_OBJECT_STR)
		fprintf(cli->out, "more: --after %.*s\n",
		    (int)next->via.str.size, next->via.str.ptr);
	qcreg_reply_free(r);
	return rc;
}
