/*
 * Inside search (PROTOCOL.md 5, search): the query as parsed, the
 * candidates found (search_find.c) and their ranks.
 */
#ifndef QCD_SEARCH_H
#define QCD_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "name_norm.h"
#include "op.h"

/* A fragment matching more names than this is ranked among these. */
#define SEARCH_FOUND_MAX	10000
/* Names looked at for one fragment before it says truncated. */
#define SEARCH_EXAMINE_MAX	200000
#define SEARCH_Q_MAX		64
#define SEARCH_TERMS_MAX	8

/* Ranks, best first. */
enum search_rank {
	RANK_USCC = 0,		/* q is a prefix of its USCC */
	RANK_REGION,		/* q is its division code's prefix */
	RANK_EXACT,		/* a name is q */
	RANK_PREFIX,		/* a name begins with q('s first term) */
	RANK_SUBSTRING,		/* a name holds q('s terms) */
	RANK_NONE
};

struct search_query {
	/* q as a USCC prefix (upper case), "" when it cannot be one. */
	char		 sq_uscc[19];
	/* q as a division code, "" when it is not 2, 4 or 6 digits. */
	char		 sq_region[7];
	/* Normalised terms (split at whitespace), and all of them joined. */
	char		 sq_norm[SEARCH_Q_MAX];
	size_t		 sq_norm_len;
	size_t		 sq_term_off[SEARCH_TERMS_MAX];
	size_t		 sq_term_len[SEARCH_TERMS_MAX];
	size_t		 sq_term_chars[SEARCH_TERMS_MAX];
	int		 sq_nterms;
	int		 sq_names;	/* a term has 2 characters or more */
};

struct search_cand {
	uint32_t	 sc_off;	/* the subject, in the arena */
	uint16_t	 sc_len;
	uint8_t		 sc_base;	/* RANK_USCC, RANK_REGION or NONE */
	uint8_t		 sc_rank;	/* after visibility */
	/* Lists whose name matched exactly, as a prefix, inside. */
	uint32_t	 sc_exact, sc_prefix, sc_sub;
};

struct search_set {
	struct search_cand	*ss_c;
	size_t			 ss_n, ss_cap;
	char			*ss_arena;
	size_t			 ss_used, ss_arena_cap;
	int			 ss_truncated;
	/* Finders that found some: past one, a subject may come twice. */
	int			 ss_finders;
};

/* Parses q (valid UTF-8); -1 after req_fail. */
int	 search_parse(struct req *, const char *q, size_t len,
	    struct search_query *);
/*
 * Finds the candidates of the query in txn: USCC prefix, division code,
 * names, in that order, up to SEARCH_FOUND_MAX. 0, or -1 after req_fail.
 */
int	 search_find(struct req *, MDB_txn *, const struct search_query *,
	    struct search_set *);
void	 search_set_free(struct search_set *);
/* The subject of candidate c. */
const char *search_subject(const struct search_set *,
	    const struct search_cand *);
/*
 * How name (len bytes, as written) matches the query: RANK_EXACT,
 * RANK_PREFIX, RANK_SUBSTRING or RANK_NONE.
 */
enum search_rank search_name_rank(const struct search_query *,
	    const char *name, size_t len);

#endif
