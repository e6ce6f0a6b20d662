/*
 * qcregd --restore FILE --data DIR [--force]: puts a backup (backup.h) in
 * place as DIR's data, with qcregd stopped. The backup must verify (its
 * chain and tree, verify.h). A backup that does not continue the log DIR
 * holds would fork what was published: it is refused unless force, which
 * restores it and appends a `restore` record naming the head it replaced,
 * so that mirrors and verifiers stop there and say so (PROTOCOL.md 4.13).
 */
#ifndef QCD_RESTORE_H
#define QCD_RESTORE_H

#include <stdint.h>

/* Returns 0 when restored, 1 when refused or failed (logged). */
int	 restore_run(const char *file, const char *dir, int force,
	    uint64_t map_size);

#endif
