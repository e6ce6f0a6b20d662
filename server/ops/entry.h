/*
 * Reading stored version records and packing them as wire entries.
 */
#ifndef QCD_ENTRY_H
#define QCD_ENTRY_H

#include <msgpack.h>

#include "config.h"
#include "escalation.h"
#include "op.h"
#include "record.h"
#include "summary.h"

/* The record's list, or NULL if the list is no longer configured. */
const struct list_def *entry_list(const struct config *,
		    const struct record *);
/* The state of a record of list l today. */
enum state	 entry_state(const struct list_def *, const struct record *,
		    int32_t today);
/*
 * Packs {list, subject, version, status, state, fields, reason?, by?,
 * at, seq, case?, disputed?}: case when a case's closing wrote the
 * version, disputed (the open objection's case) when not 0.
 */
int		 entry_pack(msgpack_packer *, const struct record *,
		    enum state, int with_by, uint64_t disputed);
/*
 * Packs the version that change seq wrote, as entry_pack: in state st,
 * or with st -1 in the state of that version alone today. 0, or -1 with
 * the request failed.
 */
int		 entry_pack_seq(struct req *, MDB_txn *, msgpack_packer *,
		    uint64_t seq, int st, int with_by, uint64_t disputed);
/*
 * The target lists whose escalations the caller sees (PROTOCOL.md 4.6):
 * all for a regulator, its own for an agency, none for a platform.
 */
unsigned	 entry_escalation_mask(const struct req *);
/* Packs {subject?, list, to, count, first, last} (subject may be NULL). */
int		 entry_escalation_pack(msgpack_packer *, const struct config *,
		    const struct escalation *, const char *subject, size_t);
/*
 * The current entries of the request's subject on the lists of mask,
 * from its summary, into hits by list index. Returns the found mask, or
 * -1 with the request failed.
 */
long		 entry_hits(struct req *, MDB_txn *, unsigned mask,
		    struct summary_hit *hits);
/* entry_hits for any subject (len bytes). */
long		 entry_hits_of(struct req *, MDB_txn *, const char *subject,
		    size_t len, unsigned mask, struct summary_hit *hits);
/* The worst verdict over the hits of found (clear when none). */
enum verdict	 entry_verdict(const struct config *,
		    const struct summary_hit *hits, unsigned found);
/* 1 if the role sees every state and who wrote it (regulators). */
int		 entry_full_view(enum role);

#endif
