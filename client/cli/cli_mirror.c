/*
 * qcreg mirror DIR: a follower process. It syncs the mirror in DIR with
 * the registry, prints each step, and repeats every --interval seconds
 * until SIGTERM or SIGINT (or once, with --once).
 *
 * Exit status: 0 synced (or stopped by a signal), 1 a record or a
 * checkpoint failed verification (the mirror stops there: following a
 * false log is worse than stopping), 2 any other error. A follower rides
 * out network failures and server errors: it says so and retries.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_verify.h"

#define INTERVAL_DEFAULT	5	/* seconds */

static volatile sig_atomic_t	 stopping;

static void	 on_signal(int);
static int	 signals_catch(void);
static int	 on_page(void *, const struct qcreg_mirror_status *);
static int	 transient(int);
static void	 pause_for(unsigned);
static void	 report(struct cli *, const struct qcreg_mirror_status *);

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* SIGTERM and SIGINT end the loop after the current page. */
static int
signals_catch(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigemptyset(&sa.sa_mask) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return cli_error(QCREG_E_USAGE, "sigaction: %s",
		    strerror(errno));
	return 0;
}

/* After each page applied: where the mirror is; stop on a signal. */
static int
on_page(void *arg, const struct qcreg_mirror_status *st)
{
	struct cli	*cli = arg;

	fprintf(cli->out, "mirror: seq %llu, checkpoint %llu\n",
	    (unsigned long long)st->seq, (unsigned long long)st->target);
	fflush(cli->out);
	return stopping;
}

/* Failures a follower waits out: the network, and the server's. */
static int
transient(int rc)
{
	return rc == QCREG_E_IO || rc == QCREG_E_TLS ||
	    rc == QCREG_E_TIMEOUT || rc == QC_E_UNAVAILABLE ||
	    rc == QC_E_INTERNAL;
}

/* Sleeps s seconds, or less when a signal comes. */
static void
pause_for(unsigned s)
{
	struct timespec	 ts = { .tv_sec = s, .tv_nsec = 0 };

	while (!stopping && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
report(struct cli *cli, const struct qcreg_mirror_status *st)
{
	fprintf(cli->out, "mirror: synced: seq %llu, checkpoint %llu "
	    "verified; %llu applied, %llu withdrawn%s\n",
	    (unsigned long long)st->seq, (unsigned long long)st->verified,
	    (unsigned long long)st->applied, (unsigned long long)st->withdrawn,
	    st->compacted ? "; data file rewritten" : "");
	fflush(cli->out);
}

int
cmd_mirror(struct cli *cli, int argc, char **argv)
{
	struct qcreg_mirror_conf	 conf;
	struct qcreg_mirror_status	 st;
	struct qcreg_mirror		*m;
	unsigned			 every;
	uint64_t			 last = UINT64_MAX;
	uint8_t				 pub[QC_PUB_LEN];
	char				 err[512];
	int				 rc;

	(void)argc;
	if ((rc = verify_pubkey_load(cli->pubkey, pub)) != CLI_OK)
		return rc;
	every = cli->interval > 0 ? cli->interval : INTERVAL_DEFAULT;
	memset(&conf, 0, sizeof(conf));
	conf.host = cli->host;
	conf.port = cli->port;
	conf.opts = cli->opts;
	conf.pubkey = pub;
	conf.timezone = cli->timezone;
	conf.progress = on_page;
	conf.progress_arg = cli;
	if ((rc = signals_catch()) != 0)
		return rc;
	if ((rc = qcreg_mirror_open(&m, argv[0], &conf, err,
	    sizeof(err))) != 0)
		return cli_error(rc, "%s", err);
	while (!stopping) {
		rc = qcreg_mirror_sync(m, cli->once ? 0 : every, &st);
		if (rc == 0 && (st.seq != last || st.applied > 0)) {
			report(cli, &st);
			last = st.seq;
		}
		if (rc != 0)
			cli_error(rc, "%s", qcreg_mirror_errmsg(m));
		if (cli->once || (rc != 0 && !transient(rc)))
			break;
		if (rc != 0 || !st.waited)
			pause_for(every);
	}
	qcreg_mirror_close(m);
	if (rc == QCREG_E_VERIFY)
		return CLI_LISTED;	/* 1: verification failed */
	return rc == 0 || (stopping && transient(rc)) ? CLI_OK : CLI_ERR;
}
