/*
 * qcregd --migrate: converts a data directory of storage schema 2 (change
 * records version 1, record_v1.h) into schema 3 (change records version
 * 2, record.h and PROTOCOL.md 4.4), in place, in one LMDB write
 * transaction.
 *
 * The version 1 chain is verified first, from 32 zero bytes to the head
 * in meta; if a record does not verify, nothing changes. Then each record
 * is rewritten with the same seq, at, principal, op, list, subject and
 * version, no case, the payload {"fields"} ({"fields", "reason"} for a
 * removal) holding the fields' stored bytes, and the version 2 chain hash
 * from 32 zero bytes. The summary and `versions` point at records by seq
 * and stay as they are. meta gets the new head, schema "3", and the old
 * head (seq and hash, laid out as `head`) under `v1_head`.
 */
#ifndef QCD_MIGRATE_H
#define QCD_MIGRATE_H

#include <stdint.h>

/* Where the meta database keeps the version 1 head. */
#define MIGRATE_V1_HEAD	"v1_head"

/*
 * Migrates the data directory dir. The LMDB map holds the old and the
 * new change log until the commit: it doubles as needed up to map_max
 * bytes. Returns 0 when migrated or when there is nothing to do (schema
 * 3), -1 on failure, with nothing changed (logged).
 */
int	 migrate_run(const char *dir, uint64_t map_max);

#endif
