/*
 * qcreg mirror DIR: a follower process. It syncs the mirror in DIR with
 * the registry, then keeps a `changes` long poll open on the mirror's
 * own connection, so that each write is applied within a moment of its
 * commit, until SIGTERM or SIGINT (or once, with --once). It prints each
 * page applied and each sync that brought something.
 *
 * Exit status: 0 synced (or stopped by a signal), 1 a record or a
 * checkpoint failed verification (the mirror stops there: following a
 * false log is worse than stopping), 2 any other error. A follower rides
 * out network failures and server errors: it says so and retries, the
 * pause doubling from 1 to 60 seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_verify.h"

#define WAIT_S		60	/* the longest long poll (PROTOCOL.md) */
#define RETRY_MAX_S	60

/* The pipe the signal handler writes to; the mirror watches its end. */
static int			 stop_pipe[2] = { -1, -1 };
static volatile sig_atomic_t	 stopping;

static void	 on_signal(int);
static int	 signals_catch(void);
static void	 signals_release(void);
static int	 on_page(void *, const struct qcreg_mirror_status *);
static int	 transient(int);
static void	 pause_for(unsigned);
static void	 report(struct cli *, const struct qcreg_mirror_status *);

static void
on_signal(int sig)
{
	ssize_t	 n;
	int	 e = errno;

	(void)sig;
	stopping = 1;
	/* A full pipe is readable already: the byte may be dropped. */
	n = write(stop_pipe[1], "", 1);
	(void)n;
	errno = e;
}

/* SIGTERM and SIGINT stop the follower, its long poll at once. */
static int
signals_catch(void)
{
	struct sigaction	 sa;
	int			 rc;

	/* Non-blocking, so that a handler never waits on a full pipe. */
	if (pipe(stop_pipe) != 0 ||
	    fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK) == -1) {
		rc = cli_error(QCREG_E_USAGE, "pipe: %s", strerror(errno));
		signals_release();
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigemptyset(&sa.sa_mask) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0) {
		signals_release();
		return cli_error(QCREG_E_USAGE, "sigaction: %s",
		    strerror(errno));
	}
	return 0;
}

/* The default signal actions again, and the pipe closed. */
static void
signals_release(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGTERM, &sa, NULL);	/* cannot fail for these */
	(void)sigaction(SIGINT, &sa, NULL);
	if (stop_pipe[0] != -1)
		close(stop_pipe[0]);
	if (stop_pipe[1] != -1)
		close(stop_pipe[1]);
	stop_pipe[0] = stop_pipe[1] = -1;
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
	struct pollfd	 pfd = { .fd = stop_pipe[0], .events = POLLIN };

	while (!stopping && poll(&pfd, 1, (int)s * 1000) == -1 &&
	    errno == EINTR)
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
	uint64_t			 last = UINT64_MAX;
	uint8_t				 pub[QC_PUB_LEN];
	unsigned			 retry = 1;
	char				 err[512];
	int				 rc;

	(void)argc;
	if ((rc = verify_pubkey_load(cli->pubkey, pub)) != CLI_OK)
		return rc;
	memset(&conf, 0, sizeof(conf));
	conf.host = cli->host;
	conf.port = cli->port;
	conf.opts = cli->opts;
	conf.pubkey = pub;
	conf.timezone = cli->timezone;
	conf.progress = on_page;
	conf.progress_arg = cli;
	if ((rc = qcreg_mirror_open(&m, argv[0], &conf, err,
	    sizeof(err))) != 0)
		return cli_error(rc, "%s", err);
	if ((rc = signals_catch()) != 0) {
		qcreg_mirror_close(m);
		return rc;
	}
	qcreg_mirror_stop_fd(m, stop_pipe[0]);
	/* The first sync catches up at once; the next ones wait for news. */
	while (!stopping) {
		rc = qcreg_mirror_sync(m, cli->once || last == UINT64_MAX ? 0 :
		    WAIT_S, &st);
		if (rc == QCREG_E_STOPPED)
			break;
		if (rc == 0 && (st.seq != last || st.applied > 0)) {
			report(cli, &st);
			last = st.seq;
		}
		if (rc != 0)
			cli_error(rc, "%s", qcreg_mirror_errmsg(m));
		if (cli->once || (rc != 0 && !transient(rc)))
			break;
		if (rc != 0) {
			pause_for(retry);
			retry = retry * 2 > RETRY_MAX_S ? RETRY_MAX_S :
			    retry * 2;
		} else
			retry = 1;
	}
	if (stopping && (rc == 0 || rc == QCREG_E_STOPPED || transient(rc))) {
		fprintf(cli->out, "mirror: stopped\n");
		fflush(cli->out);
		rc = 0;
	}
	qcreg_mirror_close(m);
	signals_release();
	if (rc == QCREG_E_VERIFY)
		return CLI_LISTED;	/* 1: verification failed */
	return rc == 0 ? CLI_OK : CLI_ERR;
}
