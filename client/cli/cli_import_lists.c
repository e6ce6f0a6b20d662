/*
 * qcreg import: the lists and the fields of their schemas, copied from the
 * hello answer. A line naming another list is bad; a row stores a field
 * of the schema as its index (cli_import_rows.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"
#include "msg.h"

static int	 lists_schema(struct imp_list *, const msgpack_object *);
static int	 lists_cmp(const void *, const void *);

/* Copies the names and types of the fields of list l (hello) to il. */
static int
lists_schema(struct imp_list *il, const msgpack_object *l)
{
	const msgpack_object	*fields, *f;
	const char		*s;
	size_t			 len, i;

	fields = qc_map_get(l, "fields");
	if (fields == NULL || fields->type != MSGPACK_OBJECT_ARRAY ||
	    fields->via.array.size == 0)
		return 0;
	if ((il->fields = calloc(fields->via.array.size,
	    sizeof(*il->fields))) == NULL)
		return -1;
	for (i = 0; i < fields->via.array.size; i++) {
		f = &fields->via.array.ptr[i];
		if (qc_obj_str(qc_map_get(f, "name"), &s, &len) != 0)
			continue;
		if ((il->fields[il->nfields].name = strndup(s, len)) == NULL)
			return -1;
		il->fields[il->nfields++].is_int =
		    qc_obj_streq(qc_map_get(f, "type"), "int");
	}
	return 0;
}

static int
lists_cmp(const void *a, const void *b)
{
	const struct imp_list	*x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * Copies the lists of the hello answer, sorted by name so that rows sort
 * by list name on the index alone. Returns 0, or -1 when out of memory
 * (what was copied is freed by imp_lists_free).
 */
int
imp_lists_load(struct imp_lists *ls, const msgpack_object *hello)
{
	const msgpack_object	*lists, *l;
	const char		*s;
	size_t			 len, i;

	memset(ls, 0, sizeof(*ls));
	lists = qc_map_get(hello, "lists");
	if (lists == NULL || lists->type != MSGPACK_OBJECT_ARRAY ||
	    lists->via.array.size == 0)
		return 0;
	if ((ls->l = calloc(lists->via.array.size, sizeof(*ls->l))) == NULL)
		return -1;
	for (i = 0; i < lists->via.array.size; i++) {
		l = &lists->via.array.ptr[i];
		if (qc_obj_str(qc_map_get(l, "name"), &s, &len) != 0)
			continue;
		if ((ls->l[ls->n].name = strndup(s, len)) == NULL ||
		    lists_schema(&ls->l[ls->n++], l) != 0)
			return -1;
	}
	qsort(ls->l, ls->n, sizeof(*ls->l), lists_cmp);
	return 0;
}

/* Index of the list named name, or -1. */
int
imp_lists_find(const struct imp_lists *ls, const char *name)
{
	size_t	 i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Place of the field named name in the schema of il, or -1. The search
 * starts at hint: a line that has its fields in the schema's order finds
 * each at once when hint is the place after the previous field's.
 */
int
imp_lists_field(const struct imp_list *il, const char *name, size_t hint)
{
	size_t	 i, n = il->nfields;

	for (i = 0; i < n; i++)
		if (strcmp(il->fields[(hint + i) % n].name, name) == 0)
			return (int)((hint + i) % n);
	return -1;
}

void
imp_lists_free(struct imp_lists *ls)
{
	size_t	 i, j;

	for (i = 0; i < ls->n; i++) {
		for (j = 0; j < ls->l[i].nfields; j++)
			free(ls->l[i].fields[j].name);
		free(ls->l[i].fields);
		free(ls->l[i].name);
	}
	free(ls->l);
	memset(ls, 0, sizeof(*ls));
}
