/*
 * qcreg import, phase 2: the rows, sorted, are written over IMPORT_CONNS
 * connections, each with up to IMPORT_WINDOW puts in flight; a ring per
 * connection remembers their line numbers so that each error names its
 * line.
 *
 * Why several connections: the server holds at most a reply-slot window
 * of one connection's requests, so one connection fills a group commit
 * with about that many puts, and each commit costs a sync. Four let the
 * writer group four times as many puts per sync (1M rows: 11.5 s on one
 * connection, 8.2 on two, 9.1 on four with larger rows; docs/BENCH.md).
 * A row goes to the connection
 * its entry hashes to, so the lines of one entry keep their file order,
 * and each connection's share stays sorted.
 */
#include <stdlib.h>
#include <string.h>

#include "cli_import.h"

#define IMPORT_WINDOW	256
#define IMPORT_CONNS	4

/* The puts in flight on one connection. */
struct send {
	struct imp		*m;
	struct qcreg		*c;
	struct qcreg_field	*f;		/* the fields of the row sent */
	unsigned long		 ring[IMPORT_WINDOW];	/* their lines */
	size_t			 head;
	size_t			 count;
	int			 broken;	/* the link broke */
};

static int	 send_take(struct send *);
static void	 send_push(struct send *, unsigned long);
static int	 send_row(struct send *, const struct imp_row *, size_t *);
static size_t	 send_conn(const struct imp_row *);
static int	 send_open(struct imp *, struct send *, size_t *);
static int	 send_drain(struct send *, size_t);

/* Reads the answer to the oldest put. Returns -1 if the link broke. */
static int
send_take(struct send *sd)
{
	struct imp		*m = sd->m;
	struct qcreg_reply	*r;
	struct qcreg_write	 w;
	unsigned long		 line = sd->ring[sd->head];
	int			 rc;

	sd->head = (sd->head + 1) % IMPORT_WINDOW;
	sd->count--;
	rc = qcreg_next_reply(sd->c, &r);
	if (rc > 0)
		imp_error(m, line, rc, "%s", qcreg_reply_message(r));
	else if (rc == 0 && qcreg_reply_write(r, &w) == 0 && w.unchanged)
		m->unchanged++;
	else if (rc == 0)
		m->ok++;
	qcreg_reply_free(r);
	if (rc < 0) {
		imp_error(m, line, rc, "%s", qcreg_errmsg(sd->c));
		sd->broken = 1;
		return -1;
	}
	return 0;
}

/* Reads answers until at most left puts are in flight. */
static int
send_drain(struct send *sd, size_t left)
{
	while (sd->count > left)
		if (send_take(sd) != 0)
			return -1;
	return 0;
}

/* Remembers the line of a put in flight. */
static void
send_push(struct send *sd, unsigned long line)
{
	sd->ring[(sd->head + sd->count) % IMPORT_WINDOW] = line;
	sd->count++;
}

/*
 * Queues the put of a row (counted in *handled when given to the
 * library). Returns -1 if the link broke.
 */
static int
send_row(struct send *sd, const struct imp_row *r, size_t *handled)
{
	struct imp	*m = sd->m;
	const char	*subject;
	int		 rc;

	/* A full window is drained by half: requests then leave in runs. */
	if (sd->count >= IMPORT_WINDOW &&
	    send_drain(sd, IMPORT_WINDOW / 2) != 0)
		return -1;
	subject = imp_rows_get(&m->rows, &m->lists, r, sd->f);
	/* A row the entry already holds is written nothing. */
	rc = qcreg_queue_put_opts(sd->c, m->lists.l[r->list].name, subject,
	    sd->f, r->nfields, &(struct qcreg_put_opts){ r->if_version, NULL,
	    1 });
	(*handled)++;
	if (rc == QCREG_E_USAGE || rc == QCREG_E_NOMEM) {
		/* Refused before sending (too large, say): that line fails. */
		imp_error(m, r->line, rc, "%s", qcreg_errmsg(sd->c));
		return 0;
	}
	if (rc != 0) {
		/* The link broke; a request queued before it is in flight. */
		if (qcreg_in_flight(sd->c) > sd->count) {
			send_push(sd, r->line);
			cli_error(rc, "line %lu: %s", r->line,
			    qcreg_errmsg(sd->c));
		} else
			imp_error(m, r->line, rc, "%s", qcreg_errmsg(sd->c));
		sd->broken = 1;
		return -1;
	}
	send_push(sd, r->line);
	return 0;
}

/* The connection of a row's entry: a hash of its list and subject key. */
static size_t
send_conn(const struct imp_row *r)
{
	uint32_t	 h = 2166136261u ^ r->list;
	size_t		 i;

	for (i = 0; i < ROW_KEY && r->key[i] != '\0'; i++)
		h = (h ^ (unsigned char)r->key[i]) * 16777619u;
	return h % IMPORT_CONNS;
}

/*
 * The connections: the command's, and new ones beside it. Fewer than
 * IMPORT_CONNS (*n) if one cannot be opened: the import goes on with
 * those it has. Returns -1 when out of memory.
 */
static int
send_open(struct imp *m, struct send *sd, size_t *n)
{
	char	 err[512];
	size_t	 i;

	for (i = 0; i < IMPORT_CONNS; i++) {
		sd[i].m = m;
		if ((sd[i].f = calloc(m->rows.maxfields + 1,
		    sizeof(*sd[i].f))) == NULL)
			return -1;
		if (i == 0)
			sd[i].c = m->cli->c;
		else if (qcreg_connect(&sd[i].c, m->cli->host, m->cli->port,
		    m->cli->opts, err, sizeof(err)) != 0) {
			free(sd[i].f);
			sd[i].f = NULL;
			break;
		}
	}
	*n = i;
	return 0;
}

/*
 * Phase 2: sorts the rows and writes them. Returns 0, or -1 when out of
 * memory or if a link broke (what was not confirmed then counts as
 * failed).
 */
int
imp_send(struct imp *m)
{
	struct send	 sd[IMPORT_CONNS];
	size_t		 i, n = 0, handled = 0, lost = 0;
	int		 rc = 0;

	if (m->rows.n == 0)
		return 0;
	memset(sd, 0, sizeof(sd));
	if (send_open(m, sd, &n) != 0) {
		cli_error(QCREG_E_NOMEM, "out of memory");
		m->failed += m->rows.n;
		rc = -1;
		goto done;
	}
	imp_rows_sort(&m->rows);
	m->start = m->last = imp_now();
	for (i = 0; rc == 0 && i < m->rows.n; i++) {
		rc = send_row(&sd[send_conn(&m->rows.r[i]) % n],
		    &m->rows.r[i], &handled);
		imp_progress(m, 1);
	}
	for (i = 0; i < n; i++)
		if (!sd[i].broken && send_drain(&sd[i], 0) != 0)
			rc = -1;
	imp_endline(m);
	for (i = 0; i < n; i++)
		lost += sd[i].count;
	if (lost > 0) {
		/* Their answers are lost: whether they were stored is unknown. */
		fprintf(stderr, "qcreg: %zu more writes in flight were not "
		    "confirmed\n", lost);
		m->failed += lost;
	}
	if (handled < m->rows.n) {
		fprintf(stderr, "qcreg: %zu more lines were not sent\n",
		    m->rows.n - handled);
		m->failed += m->rows.n - handled;
	}
done:
	for (i = 0; i < IMPORT_CONNS; i++) {
		free(sd[i].f);
		if (i > 0 && sd[i].c != NULL)
			qcreg_close(sd[i].c);
	}
	return rc;
}
