/*
 * qcreg audit [SUBJECT]: who read what (PROTOCOL.md 4.15), as a table,
 * oldest first, and where the next page starts.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_time.h"
#include "msg.h"

#define SUBJECTS_SHOWN	3	/* a record's subjects in the table */

/* "a, b, c (+7)" */
static void
audit_subjects(struct table *t, const msgpack_object *s)
{
	char		 buf[1024];
	size_t		 used = 0;
	uint32_t	 i, n;
	int		 w;

	buf[0] = '\0';
	n = s != NULL && s->type == MSGPACK_OBJECT_ARRAY ? s->via.array.size :
	    0;
	for (i = 0; i < n && i < SUBJECTS_SHOWN; i++) {
		const msgpack_object *o = &s->via.array.ptr[i];

		if (o->type != MSGPACK_OBJECT_STR)
			continue;
		w = snprintf(buf + used, sizeof(buf) - used, "%s%.*s",
		    used > 0 ? ", " : "", (int)o->via.str.size,
		    o->via.str.ptr);
		if (w < 0 || (size_t)w >= sizeof(buf) - used)
			break;
		used += (size_t)w;
	}
	if (n > SUBJECTS_SHOWN && used + 16 < sizeof(buf))
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
		    " (+%" PRIu32 ")", n - SUBJECTS_SHOWN);
	tbl_add(t, used > 0 ? buf : "-", used > 0 ? used : 1);
}

int
cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct qcreg_audit_query aq;
	struct qcreg_reply	*r;
	const msgpack_object	*res, *recs, *rec, *next;
	struct table		 t;
	char			 when[CLI_TIME_LEN], *end;
	uint64_t		 at;
	uint32_t		 i;
	int			 rc = CLI_OK;

	memset(&aq, 0, sizeof(aq));
	aq.subject = argc > 0 ? argv[0] : NULL;
	aq.principal = cli->principal;
	aq.since = cli->since_arg;
	aq.limit = cli->limit;
	if (cli->after != NULL) {
		aq.after = strtoull(cli->after, &end, 10);
		if (*cli->after == '\0' || *end != '\0')
			return cli_error(QCREG_E_USAGE, "--after: a record's "
			    "seq: %s", cli->after);
	}
	if ((rc = qcreg_audit(cli->c, &aq, &r)) != 0)
		return cli_fail(cli, rc);
	res = qcreg_reply_result(r);
	recs = qc_map_get(res, "records");
	if (cli->json || recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY) {
		rc = cli->json ? pr_json(cli, res) : cli_error(QCREG_E_PROTO,
		    "audit answer without records");
		qcreg_reply_free(r);
		return rc;
	}
	tbl_init(&t, 5);
	t.right = 1u << 0;
	tbl_add(&t, "SEQ", 3);
	tbl_add(&t, "AT", 2);
	tbl_add(&t, "PRINCIPAL", 9);
	tbl_add(&t, "OP", 2);
	tbl_add(&t, "SUBJECTS", 8);
	for (i = 0; i < recs->via.array.size; i++) {
		rec = &recs->via.array.ptr[i];
		tbl_obj(&t, qc_map_get(rec, "seq"));
		if (qc_obj_uint(qc_map_get(rec, "at"), &at) == 0) {
			cli_time_format(when, sizeof(when), at, cli->tz);
			tbl_add(&t, when, strlen(when));
		} else
			tbl_add(&t, "-", 1);
		tbl_obj(&t, qc_map_get(rec, "principal"));
		tbl_obj(&t, qc_map_get(rec, "op"));
		audit_subjects(&t, qc_map_get(rec, "subjects"));
	}
	if (recs->via.array.size == 0)
		fputs("no records\n", cli->out);
	else if (tbl_print(&t, cli->out) == -1)
		rc = cli_error(QCREG_E_NOMEM, "out of memory");
	tbl_free(&t);
	next = qc_map_get(res, "next");
	if (next != NULL && next->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		fprintf(cli->out, "more: --after %" PRIu64 "\n", next->via.u64);
	qcreg_reply_free(r);
	return rc;
}
