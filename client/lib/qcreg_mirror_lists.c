/*
 * libqcreg mirror: the list definitions hello gives (PROTOCOL.md 4.2, 5
 * hello), reduced to what a check needs: the type, the grade field and
 * the verdict of each grade, and the start and end date fields (hello's
 * "grade", "start" and "end"; a list without start or end has no such
 * limit).
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
static int	 role_copy(const msgpack_object *, const char *, char *);
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

/* A field name that key of def holds, into out ("" when absent). */
static int
role_copy(const msgpack_object *def, const char *key, char *out)
{
	const msgpack_object	*o = qc_map_get(def, key);

	out[0] = '\0';
	return o == NULL ? 0 : name_copy(o, out);
}

static int
list_parse(const msgpack_object *def, struct mirror_list *l, char *why,
    size_t whylen)
{
	int	 t;

	memset(l, 0, sizeof(*l));
	if (name_copy(qc_map_get(def, "name"), l->name) != 0) {
		snprintf(why, whylen, "hello: a list without a good name");
		return -1;
	}
	if ((t = name_index(qc_map_get(def, "type"), type_names, 3)) == -1) {
		snprintf(why, whylen, "hello: list %s: no type this mirror "
		    "knows", l->name);
		return -1;
	}
	l->type = (enum mirror_ltype)t;
	if (role_copy(def, "start", l->start) != 0 ||
	    role_copy(def, "end", l->end) != 0 ||
	    role_copy(def, "grade", l->grade) != 0) {
		snprintf(why, whylen, "hello: list %s: a start, end or grade "
		    "that is not a field name", l->name);
		return -1;
	}
	if (l->type == ML_RATING && (l->grade[0] == '\0' ||
	    verdicts_parse(qc_map_get(def, "verdicts"), l) != 0)) {
		snprintf(why, whylen, "hello: rating list %s: no grade field "
		    "or no verdicts", l->name);
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
