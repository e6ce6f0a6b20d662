/*
 * qcreg check and mirror-check: the results, as text or JSON, and the
 * exit status they make. Both commands print alike, answer for answer.
 */
#include <string.h>

#include "cli.h"
#include "cli_json.h"

static void	 chk_count(struct chk *, const struct qcreg_check_item *);
static void	 chk_print_text(struct chk *, const struct qcreg_check *);
static int	 set_text(json_t *, const char *, const char *);
static json_t	*chk_hit_json(const struct qcreg_hit *);
static json_t	*chk_escalation_json(const struct qcreg_escalation *);
static json_t	*chk_item_json(const struct qcreg_check_item *);
static int	 chk_print_json(struct chk *, const struct qcreg_check *);

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

/* Nothing counted, nothing printed yet. */
void
chk_init(struct chk *k, struct cli *cli)
{
	memset(k, 0, sizeof(*k));
	k->cli = cli;
	k->first = 1;
}

/* Starts the output (the JSON document's head). */
void
chk_begin(struct chk *k, struct cli *cli)
{
	chk_init(k, cli);
	/* Streamed: only the items are built (cli_json), one at a time. */
	if (cli->json)
		fputs("{\"results\":[", cli->out);
}

/* Prints one answer's items, in order. */
int
chk_print(struct chk *k, const struct qcreg_check *res)
{
	if (k->cli->json)
		return chk_print_json(k, res);
	chk_print_text(k, res);
	return CLI_OK;
}

/* Counts an answer's verdicts that the caller prints its own way. */
void
chk_tally(struct chk *k, const struct qcreg_check *res)
{
	size_t	 i;

	for (i = 0; i < res->n; i++)
		chk_count(k, &res->items[i]);
}

/* Ends the output (chk_begin's); the exit status as chk_status. */
int
chk_end(struct chk *k, int rc)
{
	if (k->cli->json)
		fputs(k->first ? "]}\n" : "\n]}\n", k->cli->out);
	return chk_status(k, rc);
}

/*
 * The exit status: rc if the run failed, else 2 if a subject was
 * invalid, 1 if one is listed, 3 if one needs caution, 0.
 */
int
chk_status(const struct chk *k, int rc)
{
	if (rc != CLI_OK)
		return rc;
	if (k->invalid > 0)
		return cli_error(QC_E_INVALID_SUBJECT, "%lu of %lu subjects "
		    "could not be checked", k->invalid, k->total);
	return k->listed > 0 ? CLI_LISTED : k->caution > 0 ? CLI_CAUTION :
	    CLI_OK;
}
