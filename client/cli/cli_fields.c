/*
 * qcreg command line: FIELD=VALUE arguments as the fields of a write.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * The n arguments args as fields of list: a field whose schema type (from
 * hello) is int goes out as a number, every other one (and every one when
 * list is NULL) as a string. Each '=' is overwritten with a NUL: names and
 * values point into args. Returns CLI_OK and sets *out (NULL when n is 0;
 * the caller frees it), or CLI_ERR after reporting.
 */
int
cli_fields_parse(struct cli *cli, const char *list, char **args, int n,
    struct qcreg_field **out)
{
	struct qcreg_field	*f;
	char			*eq;
	int64_t			 v;
	int			 i, j;

	*out = NULL;
	if (n == 0)
		return CLI_OK;
	if ((f = calloc((size_t)n, sizeof(*f))) == NULL)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((eq = strchr(args[i], '=')) == NULL || eq == args[i]) {
			free(f);
			return cli_error(QCREG_E_USAGE, "%s: expected "
			    "FIELD=VALUE", args[i]);
		}
		*eq = '\0';
		f[i].name = args[i];
		for (j = 0; j < i; j++)
			if (strcmp(f[j].name, f[i].name) == 0) {
				free(f);
				return cli_error(QCREG_E_USAGE, "field %s "
				    "given twice", args[i]);
			}
		f[i].type = QCREG_V_STR;
		f[i].str = eq + 1;
		if (list == NULL ||
		    qcreg_field_type(cli->c, list, f[i].name) != QCREG_FT_INT)
			continue;
		if (cli_parse_int(eq + 1, INT64_MIN, INT64_MAX, &v) != 0) {
			free(f);
			return cli_error(QCREG_E_USAGE, "field %s is an int: "
			    "%s", args[i], eq + 1);
		}
		f[i].type = QCREG_V_INT;
		f[i].num = v;
	}
	*out = f;
	return CLI_OK;
}
