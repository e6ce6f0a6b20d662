/*
 * qcreg check: are these subjects listed?
 *
 * Subjects (arguments, or lines of stdin with "-") go out in batches of
 * the server's max_batch, CHECK_WINDOW batches in flight at once; answers
 * come back in order, so results print in input order while memory stays
 * bounded by the window.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "subject.h"

#define CHECK_WINDOW	8
#define CHECK_LINE_MAX	1024	/* a subject is at most ~260 bytes */

struct chk {
	struct cli	*cli;
	unsigned long	 listed;	/* subjects with verdict listed */
	unsigned long	 caution;	/* subjects with verdict caution */
	unsigned long	 invalid;	/* subjects refused */
	unsigned long	 total;
	int		 first;		/* no JSON item printed yet */
};

static int	 chk_take(struct chk *);
static void	 chk_count(struct chk *, const struct qcreg_check_item *);
static void	 chk_print_text(struct chk *, const struct qcreg_check *);
static int	 set_text(json_t *, const char *, const char *);
static json_t	*chk_hit_json(const struct qcreg_hit *);
static json_t	*chk_escalation_json(const struct qcreg_escalation *);
static json_t	*chk_item_json(const struct qcreg_check_item *);
static int	 chk_print_json(struct chk *, const struct qcreg_check *);
static int	 chk_fill(struct cli *, struct lines *, int, char **, int *,
		    char **, size_t, size_t *);

/* Reads the answer to the oldest batch and prints it. */
static int
chk_take(struct chk *k)
{
	struct qcreg_reply	*r;
	struct qcreg_check	*res;
	int			 rc;

	if ((rc = qcreg_next_reply(k->cli->c, &r)) != 0) {
		qcreg_reply_free(r);
		return cli_fail(k->cli, rc);
	}
	rc = qcreg_reply_check(r, &res);
	qcreg_reply_free(r);
	if (rc != 0)
		return cli_error(rc, "malformed check answer");
	if (k->cli->json)
		rc = chk_print_json(k, res);
	else
		chk_print_text(k, res);
	qcreg_check_free(res);
	return rc;
}

/* Counts an item's verdict for the exit status. */
static void
chk_count(struct chk *k, const struct qcreg_check_item *it)
{
	k->total++;
	if (it->error != QC_OK)
		k->invalid++;
	else if (it->verdict == QCREG_LISTED)
		k->listed++;
	else if (it->verdict == QCREG_CAUTION)
		k->caution++;
}

/*
 *   uscc:91350100M000100Y43  caution  credit grade C (失信) until 2027-06-30
 *   guide:D-3501-000123      listed   tourism, disputed: case 57 (异议处理中)
 *                            escalation: tourism-watch -> tourism: 2 ...
 *   uscc:91350100M000100Y44  invalid  invalid_subject
 */
static void
chk_print_text(struct chk *k, const struct qcreg_check *res)
{
	const struct qcreg_check_item	*it;
	const struct qcreg_hit		*h;
	FILE				*f = k->cli->out;
	size_t				 i, j, w = 0, sw;

	for (i = 0; i < res->n; i++) {
		sw = pr_width(res->items[i].subject,
		    strlen(res->items[i].subject));
		if (sw > w)
			w = sw;
	}
	for (i = 0; i < res->n; i++) {
		it = &res->items[i];
		chk_count(k, it);
		pr_text(f, it->subject, strlen(it->subject));
		pr_pad(f, pr_width(it->subject, strlen(it->subject)), w + 2);
		if (it->error != QC_OK) {
			fprintf(f, "%-7s  %s\n", it->error ==
			    QC_E_INVALID_SUBJECT ? "invalid" : "error",
			    qcreg_code_name(it->error));
			continue;
		}
		fputs(qcreg_verdict_name(it->verdict), f);
		if (it->nhits == 0) {
			putc('\n', f);
			continue;
		}
		pr_pad(f, strlen(qcreg_verdict_name(it->verdict)), 9);
		for (j = 0; j < it->nhits; j++) {
			h = &it->hits[j];
			fprintf(f, "%s%s", j > 0 ? "; " : "", h->list);
			if (h->grade != NULL) {
				fprintf(f, " grade %s", h->grade);
				pr_label(k->cli, h->list, "grade", h->grade,
				    strlen(h->grade));
			}
			if (h->until != NULL)
				fprintf(f, " until %s", h->until);
			if (h->disputed > 0) {
				fputs(", disputed: ", f);
				pr_disputed(f, h->disputed);
			}
		}
		putc('\n', f);
		if (it->escalation != NULL) {
			pr_pad(f, 0, w + 2);
			fputs("escalation: ", f);
			pr_escalation(f, it->escalation->list,
			    it->escalation->to, it->escalation->count,
			    it->escalation->first, it->escalation->last);
			putc('\n', f);
		}
	}
}

/* A key with a text value; takes nothing on failure but the value. */
static int
set_text(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, cli_json_text(s, strlen(s)));
}

/* {"list", "grade"?, "until"?, "disputed"?}, as the server sent it. */
static json_t *
chk_hit_json(const struct qcreg_hit *h)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_text(o, "list", h->list) != 0 ||
	    (h->grade != NULL && set_text(o, "grade", h->grade) != 0) ||
	    (h->until != NULL && set_text(o, "until", h->until) != 0) ||
	    (h->disputed > 0 && json_object_set_new(o, "disputed",
	    cli_json_uint(h->disputed)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"list", "to", "count", "first", "last"}. */
static json_t *
chk_escalation_json(const struct qcreg_escalation *e)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_text(o, "list", e->list) != 0 ||
	    set_text(o, "to", e->to) != 0 ||
	    json_object_set_new(o, "count", cli_json_uint(e->count)) != 0 ||
	    set_text(o, "first", e->first) != 0 ||
	    set_text(o, "last", e->last) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * One result: {"subject", "error"} or {"subject", "verdict", "hits": [...],
 * "escalation"?}.
 */
static json_t *
chk_item_json(const struct qcreg_check_item *it)
{
	json_t		*o, *hits;
	size_t		 j;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_text(o, "subject", it->subject) != 0)
		goto fail;
	if (it->error != QC_OK) {
		if (set_text(o, "error", qcreg_code_name(it->error)) != 0)
			goto fail;
		return o;
	}
	if (set_text(o, "verdict", qcreg_verdict_name(it->verdict)) != 0)
		goto fail;
	if (json_object_set_new(o, "hits", hits = json_array()) != 0)
		goto fail;
	for (j = 0; j < it->nhits; j++)
		if (json_array_append_new(hits, chk_hit_json(&it->hits[j])) !=
		    0)
			goto fail;
	if (it->escalation != NULL && json_object_set_new(o, "escalation",
	    chk_escalation_json(it->escalation)) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* The items of one answer, each on a line of the "results" array. */
static int
chk_print_json(struct chk *k, const struct qcreg_check *res)
{
	const struct qcreg_check_item	*it;
	FILE				*f = k->cli->out;
	size_t				 i;

	for (i = 0; i < res->n; i++) {
		it = &res->items[i];
		chk_count(k, it);
		fputs(k->first ? "\n" : ",\n", f);
		k->first = 0;
		if (cli_json_write(f, chk_item_json(it)) != 0)
			return cli_error(QCREG_E_IO, "cannot write the JSON of "
			    "%s", it->subject);
	}
	return CLI_OK;
}

/*
 * Collects up to max subjects into v: from the arguments (*argi is the
 * next one) or, with in != NULL, from stdin lines (copies, freed by the
 * caller). Sets *n; returns 0, or CLI_ERR after reporting a bad line.
 */
static int
chk_fill(struct cli *cli, struct lines *in, int argc, char **argv,
    int *argi, char **v, size_t max, size_t *n)
{
	char	*line;
	size_t	 len;
	int	 r;

	(void)cli;
	*n = 0;
	while (*n < max) {
		if (in == NULL) {
			if (*argi >= argc)
				break;
			v[(*n)++] = argv[(*argi)++];
			continue;
		}
		if ((r = lines_next(in, &line, &len)) == 0)
			break;
		if (r == -2)
			return cli_error(QCREG_E_IO, "reading stdin failed");
		if (r == -1)
			return cli_error(QCREG_E_USAGE, "stdin line %lu: longer "
			    "than %d bytes", in->lineno, CHECK_LINE_MAX);
		if (len == 0)
			continue;
		if (memchr(line, '\0', len) != NULL)
			return cli_error(QCREG_E_USAGE, "stdin line %lu: "
			    "contains a NUL byte", in->lineno);
		if ((v[*n] = strdup(line)) == NULL)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		(*n)++;
	}
	return 0;
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	struct chk	 k;
	struct lines	 in, *inp = NULL;
	char		**v;
	size_t		 batch = qcreg_max_batch(cli->c), n, i;
	int		 argi = 0, rc = CLI_OK, qrc;

	memset(&k, 0, sizeof(k));
	k.cli = cli;
	k.first = 1;
	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		if (lines_init(&in, stdin, CHECK_LINE_MAX) != 0)
			return cli_error(QCREG_E_NOMEM, "out of memory");
		inp = &in;
	}
	if ((v = calloc(batch, sizeof(*v))) == NULL) {
		if (inp != NULL)
			lines_free(inp);
		return cli_error(QCREG_E_NOMEM, "out of memory");
	}
	/* Streamed: only the items are built (cli_json), one at a time. */
	if (cli->json)
		fputs("{\"results\":[", cli->out);

	for (;;) {
		rc = chk_fill(cli, inp, argc, argv, &argi, v, batch, &n);
		if (rc == CLI_OK && n > 0 &&
		    (qrc = qcreg_queue_check(cli->c, (const char *const *)v, n,
		    (const char *const *)cli->lists, cli->nlists)) != 0)
			rc = cli_fail(cli, qrc);
		if (inp != NULL)
			for (i = 0; i < n; i++)
				free(v[i]);
		if (rc != CLI_OK || n == 0)
			break;
		while (rc == CLI_OK && qcreg_in_flight(cli->c) >= CHECK_WINDOW)
			rc = chk_take(&k);
		if (rc != CLI_OK)
			break;
	}
	while (rc == CLI_OK && qcreg_in_flight(cli->c) > 0)
		rc = chk_take(&k);

	if (cli->json)
		fputs(k.first ? "]}\n" : "\n]}\n", cli->out);
	free(v);
	if (inp != NULL)
		lines_free(inp);
	if (rc != CLI_OK)
		return rc;
	if (k.invalid > 0)
		return cli_error(QC_E_INVALID_SUBJECT, "%lu of %lu subjects "
		    "could not be checked", k.invalid, k.total);
	return k.listed > 0 ? CLI_LISTED : k.caution > 0 ? CLI_CAUTION : CLI_OK;
}
