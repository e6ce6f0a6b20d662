/*
 * What /metrics and /healthz read from the store at scrape time: the
 * log's head, the map's use, the current entries by list and state (the
 * walk of stats) and the open cases by list, overdue or not.
 */
#include <string.h>
#include <time.h>

#include "date.h"
#include "metrics.h"
#include "op.h"
#include "stats.h"

struct entry_counts {
	uint64_t	 ec[CFG_MAX_LISTS][ST_COUNT];
};

static stats_fn	 count_entry;
static int	 count_cases(struct req *, MDB_txn *, uint64_t open[],
		    uint64_t overdue[]);

static int
count_entry(struct req *q, const char *subject, size_t len,
    const struct summary_hit *h, enum state st, int li, void *arg)
{
	struct entry_counts	*c = arg;

	(void)q;
	(void)subject;
	(void)len;
	(void)h;
	c->ec[li][st]++;
	return 0;
}

/* Open cases by list, and of them those past their deadline. */
static int
count_cases(struct req *q, MDB_txn *txn, uint64_t open[], uint64_t overdue[])
{
	struct case_rec	 cr;
	MDB_cursor	*cur;
	MDB_val		 k, v, cv;
	uint8_t		 ck[8];
	int		 rc, li;

	if ((rc = mdb_cursor_open(txn, q->q_store->s_open_cases, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		store_key_seq(ck, store_seq_from_key(&v));
		k.mv_data = ck;
		k.mv_size = sizeof(ck);
		if ((rc = mdb_get(txn, q->q_store->s_cases, &k, &cv)) != 0)
			break;
		if (case_decode(cv.mv_data, cv.mv_size, &cr) == -1) {
			rc = MDB_CORRUPTED;
			break;
		}
		li = config_list_index(q->q_cfg, cr.cr_list, cr.cr_list_len);
		if (li < 0)
			continue;
		open[li]++;
		if (case_state_of(&cr, case_deadline(q->q_cfg,
		    &q->q_cfg->lists[li], cr.cr_kind, cr.cr_received_on, NULL),
		    q->q_today) == CS_OVERDUE)
			overdue[li]++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
ops_health(struct ops_env *env, struct ops_health *h)
{
	MDB_envinfo	 info;
	MDB_stat	 stat;

	memset(h, 0, sizeof(*h));
	h->oh_head = ops_log_head(env);
	h->oh_replica = env->oe_replica != NULL;
	if (mdb_env_info(env->oe_store->s_env, &info) != 0 ||
	    mdb_env_stat(env->oe_store->s_env, &stat) != 0)
		return -1;
	h->oh_map_size = info.me_mapsize;
	h->oh_map_used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
	return 0;
}

int
ops_metrics_render(struct ops_env *env, msgpack_sbuffer *sb)
{
	static const char *const states[ST_COUNT] = { "active", "pending",
	    "expired", "removed" };
	const struct config	*cfg = env->oe_cfg;
	struct entry_counts	 ec;
	struct ops_health	 h;
	struct caller		 who = { "metrics", NULL, ROLE_REGULATOR };
	struct fault		 f;
	struct req		 q;
	uint64_t		 open[CFG_MAX_LISTS], overdue[CFG_MAX_LISTS];
	MDB_txn			*txn;
	int			 li, s, rc = 0;

	memset(&q, 0, sizeof(q));
	q.q_env = env;
	q.q_cfg = cfg;
	q.q_store = env->oe_store;
	q.q_who = &who;
	q.q_fault = &f;
	q.q_today = qc_date_today(time(NULL), cfg->utc_offset);
	q.q_args.a_list = -1;
	memset(&ec, 0, sizeof(ec));
	memset(open, 0, sizeof(open));
	memset(overdue, 0, sizeof(overdue));
	if (ops_health(env, &h) == -1 || (txn = req_txn(&q)) == NULL ||
	    stats_walk(&q, txn, count_entry, &ec) != 0 ||
	    count_cases(&q, txn, open, overdue) != 0) {
		ops_burst_end(env);
		return -1;
	}
	ops_burst_end(env);
	rc |= metrics_printf(sb, "# HELP qcreg_log_head_seq The last change "
	    "record's seq.\n# TYPE qcreg_log_head_seq gauge\n"
	    "qcreg_log_head_seq %llu\n", (unsigned long long)h.oh_head);
	rc |= metrics_printf(sb, "# HELP qcreg_map_size_bytes The LMDB map."
	    "\n# TYPE qcreg_map_size_bytes gauge\nqcreg_map_size_bytes %llu\n"
	    "# HELP qcreg_map_used_bytes The LMDB map's pages in use.\n"
	    "# TYPE qcreg_map_used_bytes gauge\nqcreg_map_used_bytes %llu\n",
	    (unsigned long long)h.oh_map_size,
	    (unsigned long long)h.oh_map_used);
	rc |= metrics_printf(sb, "# HELP qcreg_entries Current entries, by "
	    "list and state today.\n# TYPE qcreg_entries gauge\n");
	for (li = 0; li < cfg->nlists; li++)
		for (s = 0; s < ST_COUNT; s++)
			rc |= metrics_printf(sb, "qcreg_entries{list=\"%s\","
			    "state=\"%s\"} %llu\n", cfg->lists[li].l_name,
			    states[s], (unsigned long long)ec.ec[li][s]);
	rc |= metrics_printf(sb, "# HELP qcreg_cases_open Open cases, by "
	    "list.\n# TYPE qcreg_cases_open gauge\n");
	for (li = 0; li < cfg->nlists; li++)
		rc |= metrics_printf(sb, "qcreg_cases_open{list=\"%s\"} %llu\n",
		    cfg->lists[li].l_name, (unsigned long long)open[li]);
	rc |= metrics_printf(sb, "# HELP qcreg_cases_overdue Open cases past "
	    "their deadline, by list.\n# TYPE qcreg_cases_overdue gauge\n");
	for (li = 0; li < cfg->nlists; li++)
		rc |= metrics_printf(sb, "qcreg_cases_overdue{list=\"%s\"} "
		    "%llu\n", cfg->lists[li].l_name,
		    (unsigned long long)overdue[li]);
	return rc != 0 ? -1 : 0;
}
