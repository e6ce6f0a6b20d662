/*
 * The [list NAME] sections of the configuration: fields, dates, grades
 * and their verdicts, enum labels, and a watch list's escalation rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_parse.h"
#include "utf8.h"
#include "subject.h"

#define LABEL_MAX	256	/* bytes of one enum label */

static int	 parse_field(struct parse_state *, struct list_def *,
		    const char *);
static int	 parse_label(struct parse_state *, struct list_def *,
		    const char *);
static int	 parse_verdict(struct parse_state *, struct list_def *,
		    const char *);
static int	 parse_days(struct parse_state *, struct list_def *,
		    const char *, const char *);
static void	 set_case_days(struct list_def *);
static int	 parse_escalate(struct parse_state *, struct list_def *,
		    const char *, const char *);
static int	 enum_value_index(const struct field_def *, const char *);
static int	 check_verdicts(struct list_def *, char *, size_t);

static const char *list_type_names[] = { "rating", "blacklist", "watch" };
static const char *verdict_names[] = { "clear", "caution", "listed" };

const char *
config_list_type_name(enum list_type t)
{
	return list_type_names[t];
}

const char *
config_verdict_name(enum verdict v)
{
	return verdict_names[v];
}

enum verdict
config_entry_verdict(const struct list_def *l, const char *grade, size_t len)
{
	const struct field_def	*f;
	int			 i;

	if (l->l_type == LT_BLACKLIST)
		return VERDICT_LISTED;
	if (l->l_type == LT_WATCH)
		return VERDICT_CAUTION;
	f = &l->l_fields[l->l_grade];
	for (i = 0; i < f->f_nvalues; i++)
		if (strlen(f->f_values[i]) == len &&
		    memcmp(f->f_values[i], grade, len) == 0)
			return (enum verdict)l->l_verdicts[i];
	/* A grade the schema no longer has: no reason to block anyone. */
	return VERDICT_CLEAR;
}

static int
enum_value_index(const struct field_def *f, const char *v)
{
	int	 i;

	for (i = 0; i < f->f_nvalues; i++)
		if (strcmp(f->f_values[i], v) == 0)
			return i;
	return -1;
}

/* "name type [required] [max_len=N] [min=N] [max=N] [values=a,b]" */
static int
parse_field(struct parse_state *ps, struct list_def *l, const char *spec)
{
	struct field_def *f;
	char		 buf[1024], *tok, *save = NULL, *v, *vs, *vsave;
	uint64_t	 u;
	int		 t;

	if (l->l_nfields == CFG_MAX_FIELDS)
		return config_fail(ps, "too many fields (max %d)", CFG_MAX_FIELDS);
	if (strlen(spec) >= sizeof(buf))
		return config_fail(ps, "field: line too long");
	strcpy(buf, spec);
	f = &l->l_fields[l->l_nfields];
	memset(f, 0, sizeof(*f));
	f->f_min = INT64_MIN;
	f->f_max = INT64_MAX;
	if ((tok = strtok_r(buf, " \t", &save)) == NULL ||
	    config_copy_name(f->f_name, tok) == -1)
		return config_fail(ps, "field: expected a name of [a-z0-9_.-]");
	if (config_field_index(l, f->f_name, strlen(f->f_name)) != -1)
		return config_fail(ps, "field '%s' defined twice", f->f_name);
	if ((tok = strtok_r(NULL, " \t", &save)) == NULL)
		return config_fail(ps, "field %s: missing type", f->f_name);
	for (t = 0; t < 4; t++)
		if (strcmp(tok, config_field_type_name((enum field_type)t)) == 0)
			break;
	if (t == 4)
		return config_fail(ps, "field %s: unknown type '%s'", f->f_name, tok);
	f->f_type = (enum field_type)t;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strcmp(tok, "required") == 0) {
			f->f_required = 1;
			continue;
		}
		if ((v = strchr(tok, '=')) == NULL)
			return config_fail(ps, "field %s: bad option '%s'",
			    f->f_name, tok);
		*v++ = '\0';
		if (strcmp(tok, "max_len") == 0 && f->f_type == FT_TEXT &&
		    config_parse_u64(v, 1, 65536, &u) == 0)
			f->f_max_len = u;
		else if (strcmp(tok, "min") == 0 && f->f_type == FT_INT &&
		    config_parse_i64(v, &f->f_min) == 0)
			;
		else if (strcmp(tok, "max") == 0 && f->f_type == FT_INT &&
		    config_parse_i64(v, &f->f_max) == 0)
			;
		else if (strcmp(tok, "values") == 0 && f->f_type == FT_ENUM) {
			for (vs = strtok_r(v, ",", &vsave); vs != NULL;
			    vs = strtok_r(NULL, ",", &vsave)) {
				if (f->f_nvalues == CFG_MAX_VALUES ||
				    strlen(vs) >= CFG_NAME_MAX)
					return config_fail(ps, "field %s: too many "
					    "or too long values", f->f_name);
				if (!qc_utf8_valid(vs, strlen(vs)))
					return config_fail(ps, "field %s: a value is "
					    "not valid UTF-8", f->f_name);
				strcpy(f->f_values[f->f_nvalues++], vs);
			}
		} else
			return config_fail(ps, "field %s: bad option '%s'",
			    f->f_name, tok);
	}
	if (f->f_type == FT_ENUM && f->f_nvalues == 0)
		return config_fail(ps, "field %s: enum needs values=", f->f_name);
	if (f->f_min > f->f_max)
		return config_fail(ps, "field %s: min above max", f->f_name);
	l->l_nfields++;
	return 1;
}

int
config_parse_list(struct parse_state *ps, struct list_def *l,
    const char *name, const char *value)
{
	char		 buf[256], *tok, *save = NULL;
	int		 k, t;
	uint64_t	 u;

	if (strcmp(name, "field") == 0)
		return parse_field(ps, l, value);
	if (strcmp(name, "title") == 0) {
		if (strlen(value) >= sizeof(l->l_title))
			return config_fail(ps, "title too long");
		/* hello sends it: the wire carries UTF-8 only. */
		if (!qc_utf8_valid(value, strlen(value)))
			return config_fail(ps, "title: not valid UTF-8");
		strcpy(l->l_title, value);
		return 1;
	}
	if (strcmp(name, "type") == 0) {
		for (t = LT_RATING; t <= LT_WATCH; t++)
			if (strcmp(value, list_type_names[t]) == 0)
				break;
		if (t > LT_WATCH)
			return config_fail(ps, "type: expected rating, "
			    "blacklist or watch");
		l->l_type = (enum list_type)t;
		return 1;
	}
	if (strcmp(name, "label") == 0)
		return parse_label(ps, l, value);
	if (strcmp(name, "verdict") == 0)
		return parse_verdict(ps, l, value);
	if (strncmp(name, "escalate_", 9) == 0)
		return parse_escalate(ps, l, name + 9, value);
	if ((k = parse_days(ps, l, name, value)) != 0)
		return k;
	if (strcmp(name, "kinds") == 0) {
		if (strlen(value) >= sizeof(buf))
			return config_fail(ps, "kinds: too long");
		strcpy(buf, value);
		l->l_kinds = 0;
		for (tok = strtok_r(buf, " ,", &save); tok != NULL;
		    tok = strtok_r(NULL, " ,", &save)) {
			if ((k = qc_kind_from_name(tok, strlen(tok))) == -1)
				return config_fail(ps, "kinds: unknown kind '%s'",
				    tok);
			l->l_kinds |= 1u << k;
		}
		return 1;
	}
	if (strcmp(name, "default_years") == 0) {
		if (config_parse_u64(value, 1, 100, &u) == -1)
			return config_fail(ps, "default_years: expected 1..100");
		l->l_default_years = (int)u;
		return 1;
	}
	/* start, end and grade name fields; resolved in config_check. */
	if (strcmp(name, "start") == 0 || strcmp(name, "end") == 0 ||
	    strcmp(name, "grade") == 0) {
		k = config_field_index(l, value, strlen(value));
		if (k == -1)
			return config_fail(ps, "%s: no field '%s' defined above",
			    name, value);
		if (name[0] == 's')
			l->l_start = k;
		else if (name[0] == 'e')
			l->l_end = k;
		else
			l->l_grade = k;
		return 1;
	}
	return config_fail(ps, "unknown key '%s' in [list %s]", name, l->l_name);
}


/* "label = FIELD VALUE TEXT": how an enum value is shown to people. */
static int
parse_label(struct parse_state *ps, struct list_def *l, const char *spec)
{
	char		 buf[CFG_NAME_MAX * 2 + LABEL_MAX], *field, *value;
	char		*text, *save = NULL;
	struct field_def *f;
	int		 fi, vi;

	if (strlen(spec) >= sizeof(buf))
		return config_fail(ps, "label: too long");
	strcpy(buf, spec);
	if ((field = strtok_r(buf, " \t", &save)) == NULL ||
	    (value = strtok_r(NULL, " \t", &save)) == NULL ||
	    (text = strtok_r(NULL, "", &save)) == NULL)
		return config_fail(ps, "label: expected FIELD VALUE TEXT");
	text += strspn(text, " \t");
	if ((fi = config_field_index(l, field, strlen(field))) == -1 ||
	    l->l_fields[fi].f_type != FT_ENUM)
		return config_fail(ps, "label: no enum field '%s' defined "
		    "above", field);
	f = &l->l_fields[fi];
	if ((vi = enum_value_index(f, value)) == -1)
		return config_fail(ps, "label: field %s has no value '%s'",
		    field, value);
	if (*text == '\0' || !qc_utf8_valid(text, strlen(text)))
		return config_fail(ps, "label %s %s: expected UTF-8 text",
		    field, value);
	if (f->f_labels[vi] != NULL)
		return config_fail(ps, "label %s %s: given twice", field,
		    value);
	if ((f->f_labels[vi] = strdup(text)) == NULL)
		return config_fail(ps, "out of memory");
	return 1;
}

/* "verdict = GRADE clear|caution|listed" on a rating list. */
static int
parse_verdict(struct parse_state *ps, struct list_def *l, const char *spec)
{
	char		 buf[CFG_NAME_MAX * 2], *grade, *word, *save = NULL;
	int		 vi, v;

	if (l->l_type != LT_RATING || l->l_grade == -1)
		return config_fail(ps, "verdict: only for a rating list, "
		    "after grade =");
	if (strlen(spec) >= sizeof(buf))
		return config_fail(ps, "verdict: too long");
	strcpy(buf, spec);
	if ((grade = strtok_r(buf, " \t", &save)) == NULL ||
	    (word = strtok_r(NULL, " \t", &save)) == NULL ||
	    strtok_r(NULL, " \t", &save) != NULL)
		return config_fail(ps, "verdict: expected GRADE VERDICT");
	if ((vi = enum_value_index(&l->l_fields[l->l_grade], grade)) == -1)
		return config_fail(ps, "verdict: no grade '%s'", grade);
	for (v = VERDICT_CLEAR; v <= VERDICT_LISTED; v++)
		if (strcmp(word, verdict_names[v]) == 0)
			break;
	if (v > VERDICT_LISTED)
		return config_fail(ps, "verdict: expected clear, caution or "
		    "listed");
	if ((l->l_verdicts_set >> vi) & 1)
		return config_fail(ps, "verdict %s: given twice", grade);
	l->l_verdicts[vi] = (unsigned char)v;
	l->l_verdicts_set |= 1u << vi;
	return 1;
}

/*
 * The procedure periods: notice_days, objection_days and repair_days
 * (working days), repair_after and publish_days (calendar days).
 * Returns 1 when parsed, -1 on a bad value, 0 if name is none of them.
 */
static int
parse_days(struct parse_state *ps, struct list_def *l, const char *name,
    const char *value)
{
	static const char *const case_keys[CFG_CASE_KINDS] = {
		"notice_days", "objection_days", "repair_days"
	};
	uint64_t	 u;
	int		 k;

	for (k = 0; k < CFG_CASE_KINDS; k++)
		if (strcmp(name, case_keys[k]) == 0) {
			if (config_parse_u64(value, 1, 365, &u) == -1)
				return config_fail(ps, "%s: expected 1..365 "
				    "working days", name);
			l->l_case_days[k] = (int)u;
			return 1;
		}
	if (strcmp(name, "repair_after") != 0 &&
	    strcmp(name, "publish_days") != 0)
		return 0;
	if (config_parse_u64(value, 0, 36500, &u) == -1)
		return config_fail(ps, "%s: expected 0..36500 days", name);
	if (name[0] == 'r')
		l->l_repair_after = (int)u;
	else
		l->l_publish_days = (int)u;
	return 1;
}

/* The default periods of PROTOCOL.md 4.6 for what the list leaves out. */
static void
set_case_days(struct list_def *l)
{
	static const int defaults[CFG_CASE_KINDS] = { 10, 20, 15 };
	int		 k;

	for (k = 0; k < CFG_CASE_KINDS; k++)
		if (l->l_case_days[k] == 0)
			l->l_case_days[k] = defaults[k];
}

/* escalate_to, escalate_after and escalate_window of a watch list. */
static int
parse_escalate(struct parse_state *ps, struct list_def *l, const char *key,
    const char *value)
{
	uint64_t	 u;

	if (l->l_type != LT_WATCH)
		return config_fail(ps, "escalate_%s: only for a watch list, "
		    "after type = watch", key);
	if (strcmp(key, "to") == 0) {
		if (config_copy_name(l->l_escalate_name, value) == -1)
			return config_fail(ps, "escalate_to: expected a list "
			    "name");
		return 1;
	}
	if (strcmp(key, "after") == 0) {
		if (config_parse_u64(value, 1, CFG_ESCALATE_MAX, &u) == -1)
			return config_fail(ps, "escalate_after: expected "
			    "1..%d", CFG_ESCALATE_MAX);
		l->l_escalate_after = (int)u;
		return 1;
	}
	if (strcmp(key, "window") == 0) {
		if (config_parse_u64(value, 1, 36500, &u) == -1)
			return config_fail(ps, "escalate_window: expected "
			    "1..36500 days");
		l->l_escalate_window = (int)u;
		return 1;
	}
	return config_fail(ps, "unknown key 'escalate_%s' in [list %s]", key,
	    l->l_name);
}

/*
 * A rating list's grades each need a verdict: A and B are clear, C is
 * caution and D listed unless the config says otherwise; any other
 * grade must be given one.
 */
static int
check_verdicts(struct list_def *l, char *err, size_t errlen)
{
	static const char	 defaults[] = "AB" "C" "D";
	const struct field_def	*f = &l->l_fields[l->l_grade];
	const char		*d;
	int			 i;

	for (i = 0; i < f->f_nvalues; i++) {
		if ((l->l_verdicts_set >> i) & 1)
			continue;
		d = strlen(f->f_values[i]) == 1 ?
		    strchr(defaults, f->f_values[i][0]) : NULL;
		if (d == NULL) {
			snprintf(err, errlen, "list %s: grade %s needs a "
			    "verdict = %s clear|caution|listed", l->l_name,
			    f->f_values[i], f->f_values[i]);
			return -1;
		}
		l->l_verdicts[i] = d - defaults < 2 ? VERDICT_CLEAR :
		    d - defaults == 2 ? VERDICT_CAUTION : VERDICT_LISTED;
	}
	return 0;
}

int
config_check_list(struct config *cfg, struct list_def *l, char *err,
    size_t errlen)
{
	int	 j;

	if (l->l_kinds == 0 || l->l_nfields == 0) {
		snprintf(err, errlen, "list %s: needs kinds and fields",
		    l->l_name);
		return -1;
	}
	if ((l->l_start != -1 && l->l_fields[l->l_start].f_type != FT_DATE) ||
	    (l->l_end != -1 && l->l_fields[l->l_end].f_type != FT_DATE)) {
		snprintf(err, errlen, "list %s: start and end must be date "
		    "fields", l->l_name);
		return -1;
	}
	if (l->l_type == LT_RATING && (l->l_grade == -1 ||
	    l->l_fields[l->l_grade].f_type != FT_ENUM)) {
		snprintf(err, errlen, "list %s: a rating list needs grade = "
		    "<an enum field>", l->l_name);
		return -1;
	}
	if (l->l_type == LT_RATING && check_verdicts(l, err, errlen) == -1)
		return -1;
	if ((l->l_repair_after != 0 || l->l_publish_days != 0) &&
	    (l->l_start == -1 || (l->l_publish_days != 0 && l->l_end == -1))) {
		snprintf(err, errlen, "list %s: repair_after needs start, "
		    "publish_days needs end", l->l_name);
		return -1;
	}
	set_case_days(l);
	if (l->l_default_years != 0 && (l->l_start == -1 || l->l_end == -1)) {
		snprintf(err, errlen, "list %s: default_years needs start "
		    "and end", l->l_name);
		return -1;
	}
	l->l_escalate_to = -1;
	if (l->l_escalate_name[0] != '\0') {
		l->l_escalate_to = config_list_index(cfg, l->l_escalate_name,
		    strlen(l->l_escalate_name));
		if (l->l_escalate_to == -1 ||
		    cfg->lists[l->l_escalate_to].l_type == LT_WATCH) {
			snprintf(err, errlen, "list %s: escalate_to names no "
			    "rating or blacklist", l->l_name);
			return -1;
		}
		/* Escalation counts listings by their start date. */
		if (l->l_start == -1) {
			snprintf(err, errlen, "list %s: escalation needs "
			    "start", l->l_name);
			return -1;
		}
		if (l->l_escalate_after == 0)
			l->l_escalate_after = 2;
		if (l->l_escalate_window == 0)
			l->l_escalate_window = 365;
	} else if (l->l_escalate_after != 0 || l->l_escalate_window != 0) {
		snprintf(err, errlen, "list %s: escalate_after and "
		    "escalate_window need escalate_to", l->l_name);
		return -1;
	}
	for (j = 0; j < l->l_nfields; j++)
		if (l->l_fields[j].f_type == FT_TEXT &&
		    l->l_fields[j].f_max_len == 0)
			l->l_fields[j].f_max_len = cfg->limits.max_text;
	return 0;
}

void
config_free_list(struct list_def *l)
{
	int	 i, j;

	for (i = 0; i < l->l_nfields; i++)
		for (j = 0; j < CFG_MAX_VALUES; j++) {
			free(l->l_fields[i].f_labels[j]);
			l->l_fields[i].f_labels[j] = NULL;
		}
}

int
config_list_equal(const struct list_def *a, const struct list_def *b)
{
	struct list_def	 x, y;
	int		 f, v;
	const char	*la, *lb;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	/* Labels are strings of their own: compared apart, then blanked. */
	for (f = 0; f < CFG_MAX_FIELDS; f++)
		for (v = 0; v < CFG_MAX_VALUES; v++) {
			la = a->l_fields[f].f_labels[v];
			lb = b->l_fields[f].f_labels[v];
			if ((la == NULL) != (lb == NULL) ||
			    (la != NULL && strcmp(la, lb) != 0))
				return 0;
			x.l_fields[f].f_labels[v] = NULL;
			y.l_fields[f].f_labels[v] = NULL;
		}
	return memcmp(&x, &y, sizeof(x)) == 0;
}
