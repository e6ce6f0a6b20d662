/*
 * Inside report (PROTOCOL.md 5, report): what one report gathers of a
 * subject from one read snapshot, and the files that pack it: the op
 * (op_report.c), the subject's cases (report_cases.c), its region
 * (report_region.c) and the signed answer (report_sign.c).
 */
#ifndef QCD_REPORT_H
#define QCD_REPORT_H

#include <lmdb.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "case_pack.h"
#include "current.h"
#include "escalation.h"
#include "op.h"
#include "versions.h"

/* The subject's cases the caller may see, by id. */
struct report_cases {
	struct case_view	*rc_v;
	size_t			 rc_n;
	size_t			 rc_cap;
};

struct report {
	struct current		 rp_cur;	/* current entries */
	unsigned		 rp_whole;	/* lists seen whole */
	msgpack_sbuffer		 rp_props;	/* the proposals, packed */
	long			 rp_nprops;
	struct escalation	 rp_esc;
	int			 rp_has_esc;
	struct versions		 rp_versions;
	struct report_cases	 rp_cases;
	uint64_t		 rp_seq;	/* the log's head */
	uint8_t			 rp_hash[STORE_HASH_LEN];
};

/*
 * Gathers the report on the request's subject from txn into rp (freed
 * with report_free in any case). 1 if the caller sees anything of the
 * subject, 0 if nothing, -1 with the request failed.
 */
int		 report_gather(struct req *, MDB_txn *, struct report *);
/*
 * Packs the report map (PROTOCOL.md 5, report) with registry.time time,
 * with room for extra more keys after it. 0, or -1 with the request
 * failed.
 */
int		 report_pack(struct req *, MDB_txn *, msgpack_packer *,
		    struct report *, uint64_t time, uint32_t extra);
void		 report_free(struct report *);

/* report_cases.c: the cases of the subject on the lists of mask. */
int		 report_cases_collect(struct req *, MDB_txn *, unsigned mask,
		    struct report_cases *);
int		 report_cases_pack(struct req *, MDB_txn *, msgpack_packer *,
		    const struct report_cases *);
void		 report_cases_free(struct report_cases *);

/*
 * report_region.c: 1 if the subject is a USCC with a division code
 * (characters 3-8), 0 if not; report_region_pack packs its
 * {code, names: [{code, name}...]}.
 */
int		 report_region_has(const struct req *);
int		 report_region_pack(const struct req *, msgpack_packer *);

/* report_sign.c: the report with signed: true, from txn. */
enum op_status	 report_signed(struct req *, MDB_txn *, struct report *);

#endif
