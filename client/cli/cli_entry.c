/*
 * qcreg get and history: the entries of one subject.
 */
#include "cli.h"
#include "msg.h"

static int	 print_entries(struct cli *, struct qcreg_reply *,
		    const char *);

/*
 *   uscc:91350100M000100Y43
 *     credit  v1  active
 *       name     ...
 *     tourism  proposed  notice case 57, deadline 2026-10-19
 *       name     ...
 *     escalation  tourism-watch -> tourism: 2 listings, ...
 *
 * get answers may carry proposed listings and an escalation (PROTOCOL.md
 * 4.6), history answers do not.
 */
static int
print_entries(struct cli *cli, struct qcreg_reply *r, const char *key)
{
	const msgpack_object	*res = qcreg_reply_result(r), *v, *esc;
	uint32_t		 i;

	if (cli->json)
		return pr_json(cli, res);
	v = qc_map_get(res, key);
	pr_scalar(cli->out, qc_map_get(res, "subject"));
	putc('\n', cli->out);
	if (v == NULL || v->type != MSGPACK_OBJECT_ARRAY)
		return cli_error(QCREG_E_PROTO, "answer without %s", key);
	for (i = 0; i < v->via.array.size; i++)
		pr_entry(cli, &v->via.array.ptr[i], 2);
	pr_proposed(cli, qc_map_get(res, "proposed"), 2);
	esc = qc_map_get(res, "escalation");
	if (esc != NULL && esc->type == MSGPACK_OBJECT_MAP) {
		fputs("  escalation  ", cli->out);
		pr_escalation_obj(cli->out, esc);
		putc('\n', cli->out);
	}
	return CLI_OK;
}

int
cmd_get(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r;
	int			 rc;

	(void)argc;
	if ((rc = qcreg_get(cli->c, argv[0], (const char *const *)cli->lists,
	    cli->nlists, &r)) != 0)
		return cli_fail(cli, rc);
	rc = print_entries(cli, r, "entries");
	qcreg_reply_free(r);
	return rc;
}

int
cmd_history(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r;
	int			 rc;

	(void)argc;
	if ((rc = qcreg_history(cli->c, argv[0], cli->list, &r)) != 0)
		return cli_fail(cli, rc);
	rc = print_entries(cli, r, "versions");
	qcreg_reply_free(r);
	return rc;
}
