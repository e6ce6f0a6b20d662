/*
 * qcreg import, phase 2: the rows, sorted, are written with up to
 * IMPORT_WINDOW puts in flight; a ring remembers their line numbers so
 * that each error names its line.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"

#define IMPORT_WINDOW	256

/* The puts in flight. */
struct send {
	struct imp		*m;
	struct qcreg_field	*f;		/* the fields of the row sent */
	unsigned long		 ring[IMPORT_WINDOW];	/* their lines */
	size_t			 head;
	size_t			 count;
	size_t			 handled;	/* rows given to the library */
};

static int	 send_take(struct send *);
static void	 send_push(struct send *, unsigned long);
static int	 send_row(struct send *, const struct imp_row *);

/* Reads the answer to the oldest put. Returns -1 if the link broke. */
static int
send_take(struct send *sd)
{
	struct imp		*m = sd->m;
	struct qcreg_reply	*r;
	unsigned long		 line = sd->ring[sd->head];
	int			 rc;

	sd->head = (sd->head + 1) % IMPORT_WINDOW;
	sd->count--;
	rc = qcreg_next_reply(m->cli->c, &r);
	if (rc > 0)
		imp_error(m, line, rc, "%s", qcreg_reply_message(r));
	else if (rc == 0)
		m->ok++;
	qcreg_reply_free(r);
	if (rc < 0) {
		imp_error(m, line, rc, "%s", qcreg_errmsg(m->cli->c));
		return -1;
	}
	return 0;
}

/* Remembers the line of a put in flight. */
static void
send_push(struct send *sd, unsigned long line)
{
	sd->ring[(sd->head + sd->count) % IMPORT_WINDOW] = line;
	sd->count++;
}

/* Queues the put of a row. Returns -1 if the link broke. */
static int
send_row(struct send *sd, const struct imp_row *r)
{
	struct imp	*m = sd->m;
	const char	*subject;
	int		 rc;

	/* A full window is drained by half: requests then leave in runs. */
	if (sd->count >= IMPORT_WINDOW)
		while (sd->count > IMPORT_WINDOW / 2)
			if (send_take(sd) != 0)
				return -1;
	subject = imp_rows_get(&m->rows, &m->lists, r, sd->f);
	rc = qcreg_queue_put(m->cli->c, m->lists.l[r->list].name, subject,
	    sd->f, r->nfields, r->if_version);
	sd->handled++;
	if (rc == QCREG_E_USAGE || rc == QCREG_E_NOMEM) {
		/* Refused before sending (too large, say): that line fails. */
		imp_error(m, r->line, rc, "%s", qcreg_errmsg(m->cli->c));
		return 0;
	}
	if (rc != 0) {
		/* The link broke; a request queued before it is in flight. */
		if (qcreg_in_flight(m->cli->c) > sd->count) {
			send_push(sd, r->line);
			cli_error(rc, "line %lu: %s", r->line,
			    qcreg_errmsg(m->cli->c));
		} else
			imp_error(m, r->line, rc, "%s",
			    qcreg_errmsg(m->cli->c));
		return -1;
	}
	send_push(sd, r->line);
	return 0;
}

/*
 * Phase 2: sorts the rows and writes them. Returns 0, or -1 when out of
 * memory or if the link broke (what was not confirmed then counts as
 * failed).
 */
int
imp_send(struct imp *m)
{
	struct send	 sd;
	size_t		 i;
	int		 rc = 0;

	if (m->rows.n == 0)
		return 0;
	memset(&sd, 0, sizeof(sd));
	sd.m = m;
	if ((sd.f = calloc(m->rows.maxfields + 1, sizeof(*sd.f))) == NULL) {
		cli_error(QCREG_E_NOMEM, "out of memory");
		m->failed += m->rows.n;
		return -1;
	}
	imp_rows_sort(&m->rows);
	m->start = m->last = imp_now();
	for (i = 0; rc == 0 && i < m->rows.n; i++) {
		rc = send_row(&sd, &m->rows.r[i]);
		imp_progress(m, 1);
	}
	while (rc == 0 && sd.count > 0)
		rc = send_take(&sd);
	imp_endline(m);
	if (rc != 0 && sd.count > 0) {
		/* Their answers are lost: whether they were stored is unknown. */
		fprintf(stderr, "qcreg: %zu more writes in flight were not "
		    "confirmed\n", sd.count);
		m->failed += sd.count;
	}
	if (sd.handled < m->rows.n) {
		fprintf(stderr, "qcreg: %zu more lines were not sent\n",
		    m->rows.n - sd.handled);
		m->failed += m->rows.n - sd.handled;
	}
	free(sd.f);
	return rc;
}
