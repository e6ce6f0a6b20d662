/*
 * qcreg put and remove: write one entry.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"

static int	 print_write(struct cli *, const char *, const char *,
		    const char *, const struct qcreg_write *);

static int
print_write(struct cli *cli, const char *op, const char *list,
    const char *subject, const struct qcreg_write *w)
{
	if (cli->json) {
		if (cli_json_write_counts(cli->out, 2, (const char *[]){
		    "version", "seq" }, (uint64_t[]){ w->version, w->seq }) !=
		    0)
			return cli_error(QCREG_E_IO, "cannot write the answer");
		return CLI_OK;
	}
	fprintf(cli->out, "%s %s ", op, list);
	pr_text(cli->out, subject, strlen(subject));
	fprintf(cli->out, ": version %" PRIu64 ", seq %" PRIu64 "\n",
	    w->version, w->seq);
	return CLI_OK;
}

/* put LIST SUBJECT NAME=VALUE... (cli_fields_parse) */
int
cmd_put(struct cli *cli, int argc, char **argv)
{
	struct qcreg_field	*f;
	struct qcreg_write	 w;
	const char		*list = argv[0], *subject = argv[1];
	int			 rc;

	if ((rc = cli_fields_parse(cli, list, argv + 2, argc - 2, &f)) !=
	    CLI_OK)
		return rc;
	if ((rc = qcreg_put_idem(cli->c, list, subject, f, (size_t)argc - 2,
	    cli->if_version, cli->idem, &w)) != 0)
		rc = cli_fail(cli, rc);
	else
		rc = print_write(cli, "put", list, subject, &w);
	free(f);
	return rc;
}

int
cmd_remove(struct cli *cli, int argc, char **argv)
{
	struct qcreg_write	 w;
	int			 rc;

	(void)argc;
	if ((rc = qcreg_remove_idem(cli->c, argv[0], argv[1], cli->reason,
	    cli->if_version, cli->idem, &w)) != 0)
		return cli_fail(cli, rc);
	return print_write(cli, "remove", argv[0], argv[1], &w);
}
