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
		if (cli_json_write_pair(cli->out, "version", w->version, "seq",
		    w->seq) != 0)
			return cli_error(QCREG_E_IO, "cannot write the answer");
		return CLI_OK;
	}
	fprintf(cli->out, "%s %s ", op, list);
	pr_text(cli->out, subject, strlen(subject));
	fprintf(cli->out, ": version %" PRIu64 ", seq %" PRIu64 "\n",
	    w->version, w->seq);
	return CLI_OK;
}

/*
 * put LIST SUBJECT NAME=VALUE...: a field whose schema type (from hello)
 * is int goes out as a number, every other one as a string.
 */
int
cmd_put(struct cli *cli, int argc, char **argv)
{
	struct qcreg_field	*f;
	struct qcreg_write	 w;
	const char		*list = argv[0], *subject = argv[1];
	char			*eq;
	int64_t			 v;
	int			 i, j, n = argc - 2, rc;

	if ((f = calloc((size_t)n, sizeof(*f))) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((eq = strchr(argv[2 + i], '=')) == NULL ||
		    eq == argv[2 + i]) {
			rc = cli_error(QCREG_E_USAGE, "%s: expected "
			    "FIELD=VALUE", argv[2 + i]);
			goto done;
		}
		*eq = '\0';
		f[i].name = argv[2 + i];
		for (j = 0; j < i; j++)
			if (strcmp(f[j].name, f[i].name) == 0) {
				rc = cli_error(QCREG_E_USAGE, "field %s "
				    "given twice", f[i].name);
				goto done;
			}
		f[i].type = QCREG_V_STR;
		f[i].str = eq + 1;
		if (qcreg_field_type(cli->c, list, f[i].name) ==
		    QCREG_FT_INT) {
			if (cli_parse_int(eq + 1, INT64_MIN, INT64_MAX,
			    &v) != 0) {
				rc = cli_error(QCREG_E_USAGE, "field %s is "
				    "an int: %s", f[i].name, eq + 1);
				goto done;
			}
			f[i].type = QCREG_V_INT;
			f[i].num = v;
		}
	}
	if ((rc = qcreg_put(cli->c, list, subject, f, (size_t)n,
	    cli->if_version, &w)) != 0)
		rc = cli_fail(cli, rc);
	else
		rc = print_write(cli, "put", list, subject, &w);
done:
	free(f);
	return rc;
}

int
cmd_remove(struct cli *cli, int argc, char **argv)
{
	struct qcreg_write	 w;
	int			 rc;

	(void)argc;
	if ((rc = qcreg_remove(cli->c, argv[0], argv[1], cli->reason,
	    cli->if_version, &w)) != 0)
		return cli_fail(cli, rc);
	return print_write(cli, "remove", argv[0], argv[1], &w);
}
