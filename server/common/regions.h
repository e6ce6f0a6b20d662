/*
 * Names of administrative divisions (server/regions.txt) for the region
 * statistics: a code of 2, 4 or 6 digits to its name.
 */
#ifndef QCD_REGIONS_H
#define QCD_REGIONS_H

#include <stddef.h>

struct regions;

/*
 * Reads path: lines "CODE NAME", '#' comments and blank lines skipped.
 * NULL with err set ("line N: ...") on a bad line, a code that is not 2,
 * 4 or 6 digits, a name that is not 1 .. 64 bytes of UTF-8, a code given
 * twice, or an unreadable file.
 */
struct regions	*regions_load(const char *path, char *err, size_t errlen);
void		 regions_free(struct regions *);
/* The name of the code of len digits, or NULL if the file has none. */
const char	*regions_name(const struct regions *, const char *code,
		    size_t len);
/* 1 if s (len bytes) is a division code: 2, 4 or 6 digits. */
int		 regions_code_valid(const char *s, size_t len);

#endif
