/*
 * Process-wide counters (metrics.h). Histograms keep a count per bucket
 * (not cumulative: rendering adds them up), a sum and a count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t lat_le[] = { 100, 250, 500, 1000, 2500, 5000, 10000,
    25000, 50000, 100000, 250000, 1000000 };
#define LAT_N	(sizeof(lat_le) / sizeof(lat_le[0]))
/* Upper bounds of the batch-size buckets, in writes. */
static const uint64_t batch_le[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
    1024 };
#define BATCH_N	(sizeof(batch_le) / sizeof(batch_le[0]))

struct histogram_lat {
	atomic_uint_fast64_t	 h_bucket[LAT_N + 1];	/* the last: +Inf */
	atomic_uint_fast64_t	 h_sum;			/* microseconds */
	atomic_uint_fast64_t	 h_count;
};

/* A principal's counters; names are written once, then published. */
#define PRIN_SLOTS	1024
#define PRIN_NAME	128
struct prin_slot {
	atomic_int		 ps_state;	/* 0 free, 1 claimed, 2 ready */
	char			 ps_name[PRIN_NAME];
	atomic_uint_fast64_t	 ps_checks;
	atomic_uint_fast64_t	 ps_limited;
};

static struct {
	atomic_uint_fast64_t	 requests[METRICS_OPS_MAX + 1][QC_E_COUNT];
	struct histogram_lat	 latency[METRICS_OPS_MAX + 1];
	atomic_uint_fast64_t	 refused;
	atomic_uint_fast64_t	 handshake[HS_COUNT];
	atomic_uint_fast64_t	 batch[BATCH_N + 1];
	atomic_uint_fast64_t	 batch_sum, batch_count;
	struct histogram_lat	 commit;
	struct prin_slot	 prin[PRIN_SLOTS];
} m;

static const char *const hs_names[HS_COUNT] = {
	[HS_TIMEOUT] = "timeout",
	[HS_CERTIFICATE] = "certificate",
	[HS_NO_CN] = "no_cn",
	[HS_CLOSED] = "closed",
	[HS_PROTOCOL] = "protocol",
};

uint64_t
metrics_now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
lat_add(struct histogram_lat *h, uint64_t usec)
{
	size_t	 i;

	for (i = 0; i < LAT_N && usec > lat_le[i]; i++)
		;
	atomic_fetch_add_explicit(&h->h_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->h_sum, usec, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->h_count, 1, memory_order_relaxed);
}

void
metrics_request(int op, enum qc_err code, uint64_t usec)
{
	/* Requests without an op share the last row. */
	int	 i = op < 0 || op >= METRICS_OPS_MAX ? METRICS_OPS_MAX : op;

	atomic_fetch_add_explicit(&m.requests[i][code], 1,
	    memory_order_relaxed);
	lat_add(&m.latency[i], usec);
}

void
metrics_conn_refused(void)
{
	atomic_fetch_add_explicit(&m.refused, 1, memory_order_relaxed);
}

void
metrics_handshake_failed(enum handshake_failure why)
{
	atomic_fetch_add_explicit(&m.handshake[why], 1, memory_order_relaxed);
}

void
metrics_batch(unsigned n, uint64_t usec)
{
	size_t	 i;

	for (i = 0; i < BATCH_N && n > batch_le[i]; i++)
		;
	atomic_fetch_add_explicit(&m.batch[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m.batch_sum, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&m.batch_count, 1, memory_order_relaxed);
	lat_add(&m.commit, usec);
}

/* The principal's slot (claimed on first use); NULL when all are taken. */
static struct prin_slot *
prin_slot(const char *name)
{
	struct prin_slot	*s;
	uint32_t		 h = 2166136261u;
	size_t			 i, n;
	int			 st;
	const char		*p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (n = 0; n < PRIN_SLOTS; n++) {
		i = (h + n) % PRIN_SLOTS;
		s = &m.prin[i];
		st = atomic_load_explicit(&s->ps_state, memory_order_acquire);
		if (st == 0) {
			int zero = 0;

			if (atomic_compare_exchange_strong(&s->ps_state, &zero,
			    1)) {
				snprintf(s->ps_name, sizeof(s->ps_name), "%s",
				    name);
				atomic_store_explicit(&s->ps_state, 2,
				    memory_order_release);
				return s;
			}
			st = zero;
		}
		/* Another thread is writing the name: it is done at once. */
		while (st == 1)
			st = atomic_load_explicit(&s->ps_state,
			    memory_order_acquire);
		if (strncmp(s->ps_name, name, sizeof(s->ps_name) - 1) == 0)
			return s;
	}
	return NULL;
}

void
metrics_checks(const char *principal, uint64_t n)
{
	struct prin_slot	*s = prin_slot(principal);

	if (s != NULL)
		atomic_fetch_add_explicit(&s->ps_checks, n,
		    memory_order_relaxed);
}

void
metrics_rate_limited(const char *principal)
{
	struct prin_slot	*s = prin_slot(principal);

	if (s != NULL)
		atomic_fetch_add_explicit(&s->ps_limited, 1,
		    memory_order_relaxed);
}

int
metrics_printf(msgpack_sbuffer *sb, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return msgpack_sbuffer_write(sb, buf, (size_t)n);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static const char *
label_value(const char *in, char *out, size_t cap)
{
	size_t	 o = 0;

	for (; *in != '\0' && o + 3 < cap; in++) {
		if (*in == '\\' || *in == '"' || *in == '\n') {
			out[o++] = '\\';
			out[o++] = *in == '\n' ? 'n' : *in;
		} else
			out[o++] = *in;
	}
	out[o] = '\0';
	return out;
}

/* A latency histogram with labels (already "{...," or "{"). */
static int
lat_render(msgpack_sbuffer *sb, const char *name, const char *labels,
    struct histogram_lat *h)
{
	uint64_t	 cum = 0;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i <= LAT_N && rc == 0; i++) {
		cum += atomic_load(&h->h_bucket[i]);
		if (i < LAT_N)
			rc = metrics_printf(sb, "%s_bucket{%sle=\"%g\"} %llu\n",
			    name, labels, (double)lat_le[i] / 1e6,
			    (unsigned long long)cum);
		else
			rc = metrics_printf(sb, "%s_bucket{%sle=\"+Inf\"} "
			    "%llu\n", name, labels, (unsigned long long)cum);
	}
	if (rc == 0)
		rc = metrics_printf(sb, "%s_sum{%.*s} %.6f\n%s_count{%.*s} "
		    "%llu\n", name, (int)(strlen(labels) > 0 ?
		    strlen(labels) - 1 : 0), labels,
		    (double)atomic_load(&h->h_sum) / 1e6, name,
		    (int)(strlen(labels) > 0 ? strlen(labels) - 1 : 0), labels,
		    (unsigned long long)atomic_load(&h->h_count));
	return rc;
}

/* A counter by principal: the one at offset of each slot in use. */
static int
prin_render(msgpack_sbuffer *sb, const char *name, const char *help,
    size_t offset)
{
	char	 esc[2 * PRIN_NAME];
	int	 i, rc;

	rc = metrics_printf(sb, "# HELP %s %s\n# TYPE %s counter\n", name,
	    help, name);
	for (i = 0; i < PRIN_SLOTS; i++)
		if (atomic_load(&m.prin[i].ps_state) == 2)
			rc |= metrics_printf(sb, "%s{principal=\"%s\"} %llu\n",
			    name, label_value(m.prin[i].ps_name, esc,
			    sizeof(esc)), (unsigned long long)atomic_load(
			    (atomic_uint_fast64_t *)((char *)&m.prin[i] +
			    offset)));
	return rc;
}

int
metrics_render(msgpack_sbuffer *sb, const char *const *names, int nops)
{
	char		 labels[128];
	uint64_t	 v, cum;
	int		 i, c, rc = 0;
	size_t		 b;

	rc |= metrics_printf(sb, "# HELP qcreg_requests_total Requests "
	    "answered, by op and result.\n# TYPE qcreg_requests_total "
	    "counter\n");
	for (i = 0; i <= nops && i <= METRICS_OPS_MAX; i++)
		for (c = 0; c < QC_E_COUNT; c++) {
			v = atomic_load(&m.requests[i < nops ? i :
			    METRICS_OPS_MAX][c]);
			if (v > 0)
				rc |= metrics_printf(sb, "qcreg_requests_total"
				    "{op=\"%s\",result=\"%s\"} %llu\n", i < nops ?
				    names[i] : "", qc_err_name((enum qc_err)c),
				    (unsigned long long)v);
		}
	rc |= metrics_printf(sb, "# HELP qcreg_request_duration_seconds Time "
	    "from a request's frame to its answer, by op.\n# TYPE "
	    "qcreg_request_duration_seconds histogram\n");
	for (i = 0; i < nops && i < METRICS_OPS_MAX && rc == 0; i++) {
		snprintf(labels, sizeof(labels), "op=\"%s\",", names[i]);
		rc |= lat_render(sb, "qcreg_request_duration_seconds", labels,
		    &m.latency[i]);
	}
	rc |= metrics_printf(sb, "# HELP qcreg_connections_refused_total "
	    "Connections closed at accept: the connection limit.\n# TYPE "
	    "qcreg_connections_refused_total counter\n"
	    "qcreg_connections_refused_total %llu\n",
	    (unsigned long long)atomic_load(&m.refused));
	rc |= metrics_printf(sb, "# HELP qcreg_handshake_failures_total TLS "
	    "handshakes that failed, by reason.\n# TYPE "
	    "qcreg_handshake_failures_total counter\n");
	for (i = 0; i < HS_COUNT; i++)
		rc |= metrics_printf(sb, "qcreg_handshake_failures_total"
		    "{reason=\"%s\"} %llu\n", hs_names[i],
		    (unsigned long long)atomic_load(&m.handshake[i]));
	rc |= metrics_printf(sb, "# HELP qcreg_write_batch_size Writes "
	    "committed together.\n# TYPE qcreg_write_batch_size histogram\n");
	for (b = 0, cum = 0; b <= BATCH_N; b++) {
		cum += atomic_load(&m.batch[b]);
		if (b < BATCH_N)
			rc |= metrics_printf(sb, "qcreg_write_batch_size_bucket"
			    "{le=\"%llu\"} %llu\n",
			    (unsigned long long)batch_le[b],
			    (unsigned long long)cum);
		else
			rc |= metrics_printf(sb, "qcreg_write_batch_size_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	rc |= metrics_printf(sb, "qcreg_write_batch_size_sum %llu\n"
	    "qcreg_write_batch_size_count %llu\n",
	    (unsigned long long)atomic_load(&m.batch_sum),
	    (unsigned long long)atomic_load(&m.batch_count));
	rc |= metrics_printf(sb, "# HELP qcreg_commit_duration_seconds A "
	    "batch's commit, its sync included.\n# TYPE "
	    "qcreg_commit_duration_seconds histogram\n");
	rc |= lat_render(sb, "qcreg_commit_duration_seconds", "", &m.commit);
	rc |= prin_render(sb, "qcreg_checked_subjects_total", "Subjects "
	    "checked, by principal.", offsetof(struct prin_slot, ps_checks));
	rc |= prin_render(sb, "qcreg_rate_limited_total", "Requests held by "
	    "a principal's quota.", offsetof(struct prin_slot, ps_limited));
	return rc != 0 ? -1 : 0;
}
