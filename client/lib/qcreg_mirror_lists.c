/*
 * libqcreg mirror: the list definitions hello gives (PROTOCOL.md 4.2, 5
 * hello), reduced to what a check needs: the type, the grade field and
 * the verdict of each grade, and the start and end date fields.
 *
 * hello names none of the three fields today. Until it does ("grade",
 * "start" and "end" of a list, used when present), they are found from
 * the schema: the grade field of a rating list is the enum field whose
 * values are the grades of its verdicts; the start and end are its two
 * date fields, in schema order. A list where that is ambiguous is
 * refused rather than guessed.
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "qcreg_mirror_int.h"

static const char *const type_names[] = { "rating", "blacklist", "watch" };
static const char *const verdict_names[] = { "clear", "caution", "listed" };

static int	 name_copy(const msgpack_object *, char *);
static int	 name_index(const msgpack_object *, const char *const *, int);
static int	 verdicts_parse(const msgpack_object *, struct mirror_list *);
static int	 grade_find(const msgpack_object *, struct mirror_list *);
static int	 is_grade_field(const msgpack_object *,
		    const struct mirror_list *);
static int	 dates_find(const msgpack_object *, const msgpack_object *,
		    struct mirror_list *);
static int	 list_parse(const msgpack_object *, struct mirror_list *,
		    char *, size_t);

/* A str of 1 .. MIRROR_NAME_MAX - 1 bytes without NUL into out. */
static int
name_copy(const msgpack_object *o, char *out)
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(o, &s, &len) != 0 || len == 0 ||
	    len >= MIRROR_NAME_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int
name_index(const msgpack_object *o, const char *const *names, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (qc_obj_streq(o, names[i]))
			return i;
	return -1;
}

/* A rating list's "verdicts": {grade: verdict}. */
static int
verdicts_parse(const msgpack_object *v, struct mirror_list *l)
{
	uint32_t	 i;
	int		 vi;

	if (v == NULL || v->type != MSGPACK_OBJECT_MAP ||
	    v->via.map.size > MIRROR_GRADES_MAX)
		return -1;
	for (i = 0; i < v->via.map.size; i++) {
		if (name_copy(&v->via.map.ptr[i].key, l->grades[i]) != 0 ||
		    (vi = name_index(&v->via.map.ptr[i].val, verdict_names,
		    3)) == -1)
			return -1;
		l->verdicts[i] = (enum qcreg_verdict)vi;
	}
	l->ngrades = (int)v->via.map.size;
	return 0;
}

/* An enum field whose values are exactly the grades of l's verdicts. */
static int
is_grade_field(const msgpack_object *f, const struct mirror_list *l)
{
	const msgpack_object	*vals = qc_map_get(f, "values");
	uint32_t		 i;
	int			 g;

	if (!qc_obj_streq(qc_map_get(f, "type"), "enum") || vals == NULL ||
	    vals->type != MSGPACK_OBJECT_ARRAY ||
	    vals->via.array.size != (uint32_t)l->ngrades)
		return 0;
	for (i = 0; i < vals->via.array.size; i++) {
		for (g = 0; g < l->ngrades; g++)
			if (qc_obj_streq(&vals->via.array.ptr[i], l->grades[g]))
				break;
		if (g == l->ngrades)
			return 0;
	}
	return 1;
}

/* The grade field of a rating list (see the top of the file). */
static int
grade_find(const msgpack_object *fields, struct mirror_list *l)
{
	const msgpack_object	*f;
	uint32_t		 i;

	for (i = 0; i < fields->via.array.size; i++) {
		f = &fields->via.array.ptr[i];
		if (is_grade_field(f, l))
			return name_copy(qc_map_get(f, "name"), l->grade);
	}
	return -1;
}

/* The start and end date fields (see the top of the file). */
static int
dates_find(const msgpack_object *def, const msgpack_object *fields,
    struct mirror_list *l)
{
	const msgpack_object	*f, *s = qc_map_get(def, "start"),
				*e = qc_map_get(def, "end");
	char			 found[2][MIRROR_NAME_MAX];
	uint32_t		 i;
	int			 n = 0;

	if (s != NULL || e != NULL)
		return (s != NULL && s->type != MSGPACK_OBJECT_NIL &&
		    name_copy(s, l->start) != 0) ||
		    (e != NULL && e->type != MSGPACK_OBJECT_NIL &&
		    name_copy(e, l->end) != 0) ? -1 : 0;
	for (i = 0; i < fields->via.array.size; i++) {
		f = &fields->via.array.ptr[i];
		if (!qc_obj_streq(qc_map_get(f, "type"), "date"))
			continue;
		if (n == 2 || name_copy(qc_map_get(f, "name"), found[n]) != 0)
			return -1;
		n++;
	}
	if (n == 1)
		return -1;
	if (n == 2) {
		memcpy(l->start, found[0], MIRROR_NAME_MAX);
		memcpy(l->end, found[1], MIRROR_NAME_MAX);
	}
	return 0;
}

static int
list_parse(const msgpack_object *def, struct mirror_list *l, char *why,
    size_t whylen)
{
	const msgpack_object	*fields = qc_map_get(def, "fields"), *g;
	int			 t;

	memset(l, 0, sizeof(*l));
	if (name_copy(qc_map_get(def, "name"), l->name) != 0) {
		snprintf(why, whylen, "hello: a list without a good name");
		return -1;
	}
	if ((t = name_index(qc_map_get(def, "type"), type_names, 3)) == -1 ||
	    fields == NULL || fields->type != MSGPACK_OBJECT_ARRAY) {
		snprintf(why, whylen, "hello: list %s: no type this mirror "
		    "knows, or no fields", l->name);
		return -1;
	}
	l->type = (enum mirror_ltype)t;
	if (l->type == ML_RATING) {
		g = qc_map_get(def, "grade");
		if (verdicts_parse(qc_map_get(def, "verdicts"), l) != 0 ||
		    (g != NULL ? name_copy(g, l->grade) :
		    grade_find(fields, l)) != 0) {
			snprintf(why, whylen, "hello: rating list %s: no "
			    "verdicts, or no grade field to read them by",
			    l->name);
			return -1;
		}
	}
	if (dates_find(def, fields, l) != 0) {
		snprintf(why, whylen, "hello: list %s: cannot tell its start "
		    "and end date fields (hello should name them)", l->name);
		return -1;
	}
	return 0;
}

/* hello's "lists" into ls; -1 with a reason in why. */
int
mirror_lists_parse(const msgpack_object *lists, struct mirror_lists *ls,
    char *why, size_t whylen)
{
	uint32_t	 i;

	ls->n = 0;
	if (lists == NULL || lists->type != MSGPACK_OBJECT_ARRAY ||
	    lists->via.array.size > MIRROR_LISTS_MAX) {
		snprintf(why, whylen, "hello: no lists, or more than %d",
		    MIRROR_LISTS_MAX);
		return -1;
	}
	for (i = 0; i < lists->via.array.size; i++) {
		if (list_parse(&lists->via.array.ptr[i], &ls->l[i], why,
		    whylen) != 0)
			return -1;
		if (mirror_list_index(ls, ls->l[i].name,
		    strlen(ls->l[i].name)) != -1) {
			snprintf(why, whylen, "hello: list %s twice",
			    ls->l[i].name);
			return -1;
		}
		ls->n++;
	}
	return 0;
}

/* The index of the list named by len bytes, or -1. */
int
mirror_list_index(const struct mirror_lists *ls, const char *name,
    size_t len)
{
	int	 i;

	for (i = 0; i < ls->n; i++)
		if (strlen(ls->l[i].name) == len &&
		    memcmp(ls->l[i].name, name, len) == 0)
			return i;
	return -1;
}

/*
 * The verdict of an active entry: listed on a blacklist, caution on a
 * watch list, by grade on a rating list (clear for a grade the schema no
 * longer has, as the server decides).
 */
enum qcreg_verdict
mirror_list_verdict(const struct mirror_list *l, const char *grade,
    size_t len)
{
	int	 i;

	if (l->type == ML_BLACKLIST)
		return QCREG_LISTED;
	if (l->type == ML_WATCH)
		return QCREG_CAUTION;
	for (i = 0; i < l->ngrades; i++)
		if (grade != NULL && strlen(l->grades[i]) == len &&
		    memcmp(l->grades[i], grade, len) == 0)
			return l->verdicts[i];
	return QCREG_CLEAR;
}
