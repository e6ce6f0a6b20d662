/*
 * qcreg notify, case open and case close: the writes of a procedure
 * (PROTOCOL.md 4.6).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg.h"

static int	 open_case(struct cli *, const char *, const char *,
		    const char *, char **, int);
static int	 print_opened(struct cli *, const char *,
		    struct qcreg_reply *);
static int	 case_list_of(struct cli *, uint64_t, char *, size_t);

/*
 *   notice case 57 opened: deadline 2026-10-19 (provisional), seq 57
 */
static int
print_opened(struct cli *cli, const char *kind, struct qcreg_reply *r)
{
	struct qcreg_case_opened	 o;
	int				 rc;

	if ((rc = qcreg_reply_case_opened(r, &o)) != 0)
		return cli_error(rc, "malformed case_open answer");
	if (cli->json)
		return pr_json(cli, qcreg_reply_result(r));
	pr_text(cli->out, kind, strlen(kind));
	fprintf(cli->out, " case %" PRIu64 " opened: deadline %s%s, seq %"
	    PRIu64 "\n", o.case_id, o.deadline,
	    o.provisional ? " (provisional)" : "", o.seq);
	return CLI_OK;
}

/* Opens a case of kind on (list, subject) with the n FIELD=VALUE args. */
static int
open_case(struct cli *cli, const char *kind, const char *list,
    const char *subject, char **args, int n)
{
	struct qcreg_field	*f;
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = cli_fields_parse(cli, list, args, n, &f)) != CLI_OK)
		return rc;
	if ((rc = qcreg_case_open(cli->c, list, subject, kind,
	    cli->received_on, cli->text, f, (size_t)n, cli->idem, &r)) != 0)
		rc = cli_fail(cli, rc);
	else
		rc = print_opened(cli, kind, r);
	qcreg_reply_free(r);
	free(f);
	return rc;
}

/* notify LIST SUBJECT FIELD=VALUE...: a notice case (告知). */
int
cmd_notify(struct cli *cli, int argc, char **argv)
{
	return open_case(cli, "notice", argv[0], argv[1], argv + 2, argc - 2);
}

/* case open LIST SUBJECT --kind KIND [FIELD=VALUE...] */
int
cmd_case_open(struct cli *cli, int argc, char **argv)
{
	return open_case(cli, cli->kind, argv[0], argv[1], argv + 2,
	    argc - 2);
}

/*
 * The list of open case case_id into buf, or "" when the caller cannot
 * see it open: only a field's type (int or not) depends on it, and the
 * closing itself says what is wrong with the case.
 */
static int
case_list_of(struct cli *cli, uint64_t case_id, char *buf, size_t size)
{
	struct qcreg_case_filter	 flt;
	struct qcreg_reply		*r;
	const msgpack_object		*cases, *c;
	uint64_t			 id;
	int				 rc;

	buf[0] = '\0';
	memset(&flt, 0, sizeof(flt));
	flt.within = -1;
	flt.after = case_id - 1;
	flt.limit = 1;
	if ((rc = qcreg_cases(cli->c, &flt, &r)) != 0) {
		/* Refused (forbidden, not_found ...): the closing will say. */
		return rc > 0 ? CLI_OK : cli_fail(cli, rc);
	}
	cases = qc_map_get(qcreg_reply_result(r), "cases");
	if (cases != NULL && cases->type == MSGPACK_OBJECT_ARRAY &&
	    cases->via.array.size > 0) {
		c = &cases->via.array.ptr[0];
		if (qc_obj_uint(qc_map_get(c, "case"), &id) == 0 &&
		    id == case_id &&
		    pr_objstr(qc_map_get(c, "list"), buf, size) == NULL)
			buf[0] = '\0';
	}
	qcreg_reply_free(r);
	return CLI_OK;
}

/*
 * case close CASE OUTCOME --reason TEXT [FIELD=VALUE...]: the fields are
 * typed by the schema of the case's list, so the case is looked up first
 * when there are any.
 *   case 57 closed listed: version 2, seq 60
 */
int
cmd_case_close(struct cli *cli, int argc, char **argv)
{
	struct qcreg_field	*f;
	struct qcreg_reply	*r;
	struct qcreg_write	 w;
	char			 list[128];
	int64_t			 id;
	int			 rc, n = argc - 2;

	if (cli_parse_int(argv[0], 1, INT64_MAX, &id) != 0)
		return cli_error(QCREG_E_USAGE, "not a case id: %s", argv[0]);
	list[0] = '\0';
	if (n > 0 && (rc = case_list_of(cli, (uint64_t)id, list,
	    sizeof(list))) != CLI_OK)
		return rc;
	if ((rc = cli_fields_parse(cli, list[0] != '\0' ? list : NULL,
	    argv + 2, n, &f)) != CLI_OK)
		return rc;
	rc = qcreg_case_close(cli->c, (uint64_t)id, argv[1], cli->reason, f,
	    (size_t)n, cli->if_version, cli->idem, &r);
	free(f);
	if (rc != 0)
		return cli_fail(cli, rc);
	if ((rc = qcreg_reply_write(r, &w)) != 0)
		rc = cli_error(rc, "malformed case_close answer");
	else if (cli->json)
		rc = pr_json(cli, qcreg_reply_result(r));
	else {
		fprintf(cli->out, "case %" PRId64 " closed ", id);
		pr_text(cli->out, argv[1], strlen(argv[1]));
		if (w.version > 0)
			fprintf(cli->out, ": version %" PRIu64 ",", w.version);
		else
			putc(':', cli->out);
		fprintf(cli->out, " seq %" PRIu64 "\n", w.seq);
	}
	qcreg_reply_free(r);
	return rc;
}
