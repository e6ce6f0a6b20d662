/*
 * qcreg export LIST [--state S] [--format csv|jsonl]: a list's entries,
 * streamed page by page from scan, in a form qcreg import reads back:
 * JSON Lines ({"list", "subject", "fields"}) or CSV (a header of subject
 * and the list's fields in schema order, then a row per entry). Without
 * --state every entry but the removed ones (importing a removed entry
 * would list it again).
 */
#include <inttypes.h>
#include <string.h>

#include "cli_import.h"
#include "msg.h"

#define EXPORT_PAGE	1000

static int	 export_entry(struct cli *, const struct imp_list *, int,
		    const msgpack_object *);
static void	 csv_cell(FILE *, const char *, size_t);

/* A cell, quoted when it holds a comma, a quote, a line break or edge spaces. */
static void
csv_cell(FILE *out, const char *s, size_t len)
{
	size_t	 i;

	/* s is not NUL-terminated: no strcspn. */
	for (i = 0; i < len && s[i] != ',' && s[i] != '"' && s[i] != '\r' &&
	    s[i] != '\n'; i++)
		;
	if (len > 0 && i == len && s[0] != ' ' && s[len - 1] != ' ') {
		fwrite(s, 1, len, out);
		return;
	}
	putc('"', out);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', out);
		putc(s[i], out);
	}
	putc('"', out);
}

/* One entry as a line of the format. 0, or -1 out of memory. */
static int
export_entry(struct cli *cli, const struct imp_list *il, int csv,
    const msgpack_object *e)
{
	const msgpack_object	*subject = qc_map_get(e, "subject");
	const msgpack_object	*fields = qc_map_get(e, "fields"), *v;
	json_t			*o, *fj;
	size_t			 i;

	if (subject == NULL || subject->type != MSGPACK_OBJECT_STR ||
	    fields == NULL || fields->type != MSGPACK_OBJECT_MAP)
		return 0;
	if (!csv) {
		if ((o = json_object()) == NULL ||
		    json_object_set_new(o, "list", json_string(il->name)) != 0 ||
		    json_object_set_new(o, "subject", cli_json_text(
		    subject->via.str.ptr, subject->via.str.size)) != 0 ||
		    (fj = cli_json_from_msgpack(fields)) == NULL ||
		    json_object_set_new(o, "fields", fj) != 0) {
			json_decref(o);
			return -1;
		}
		/* cli_json_write takes o. */
		if (cli_json_write(cli->out, o) != 0)
			return -1;
		putc('\n', cli->out);
		return 0;
	}
	csv_cell(cli->out, subject->via.str.ptr, subject->via.str.size);
	for (i = 0; i < il->nfields; i++) {
		putc(',', cli->out);
		v = qc_map_get(fields, il->fields[i].name);
		if (v != NULL && v->type == MSGPACK_OBJECT_STR)
			csv_cell(cli->out, v->via.str.ptr, v->via.str.size);
		else if (v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			fprintf(cli->out, "%" PRIu64, v->via.u64);
		else if (v != NULL && v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			fprintf(cli->out, "%" PRId64, v->via.i64);
	}
	fputs("\r\n", cli->out);
	return 0;
}

int
cmd_export(struct cli *cli, int argc, char **argv)
{
	struct imp_lists	 lists;
	const struct imp_list	*il;
	struct qcreg_reply	*r = NULL;
	const msgpack_object	*res, *ents, *next, *st;
	char			 after[512];
	int			 csv = cli->format != NULL &&
				    strcmp(cli->format, "csv") == 0;
	int			 li, rc = CLI_OK, more = 1;
	uint32_t		 i;
	size_t			 k;

	(void)argc;
	if (imp_lists_load(&lists, qcreg_hello_result(cli->c)) != 0)
		return cli_error(QCREG_E_NOMEM, "out of memory");
	if ((li = imp_lists_find(&lists, argv[0])) < 0) {
		imp_lists_free(&lists);
		return cli_error(QC_E_UNKNOWN_LIST, "no list %s", argv[0]);
	}
	il = &lists.l[li];
	if (csv) {
		fputs("subject", cli->out);
		for (k = 0; k < il->nfields; k++)
			fprintf(cli->out, ",%s", il->fields[k].name);
		fputs("\r\n", cli->out);
	}
	after[0] = '\0';
	while (more && rc == CLI_OK) {
		if ((rc = qcreg_scan(cli->c, argv[0], after[0] != '\0' ? after :
		    NULL, EXPORT_PAGE, cli->state, &r)) != 0) {
			rc = cli_fail(cli, rc);
			break;
		}
		res = qcreg_reply_result(r);
		ents = qc_map_get(res, "entries");
		next = qc_map_get(res, "next");
		for (i = 0; ents != NULL && ents->type == MSGPACK_OBJECT_ARRAY &&
		    i < ents->via.array.size && rc == CLI_OK; i++) {
			st = qc_map_get(&ents->via.array.ptr[i], "state");
			if (cli->state == NULL && qc_obj_streq(st, "removed"))
				continue;
			if (export_entry(cli, il, csv,
			    &ents->via.array.ptr[i]) != 0)
				rc = cli_error(QCREG_E_NOMEM, "out of memory");
		}
		more = next != NULL && next->type == MSGPACK_OBJECT_STR &&
		    next->via.str.size < sizeof(after);
		if (more) {
			memcpy(after, next->via.str.ptr, next->via.str.size);
			after[next->via.str.size] = '\0';
		}
		qcreg_reply_free(r);
	}
	imp_lists_free(&lists);
	if (rc == CLI_OK && (fflush(cli->out) != 0 || ferror(cli->out)))
		rc = cli_error(QCREG_E_IO, "writing the export failed");
	return rc;
}
