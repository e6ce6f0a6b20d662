/*
 * lmdb_poke: changes one stored value of a qcregd data directory in
 * place, through the LMDB API, as someone holding the data files could:
 * the tamper-at-rest tests show that qcregd and `qcreg verify` catch it.
 *
 *   lmdb_poke DIR record SEQ        flips the low bit of the last byte of
 *                                   change record SEQ (inside its payload)
 *   lmdb_poke DIR node LEVEL INDEX  flips a bit of a stored Merkle node
 *   lmdb_poke DIR forget KEY        deletes meta's KEY (the search tests
 *                                   make a store from before the name
 *                                   index with "names")
 *
 * qcregd must not be running. Exit 0 when changed, 1 otherwise.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_poke: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Deletes key from the meta database of the store in dir. */
static int
forget(const char *dir, const char *key)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k = { .mv_data = (void *)key, .mv_size = strlen(key) };
	int		 rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, dir, 0, 0600)) != 0)
		return fail(dir, rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &dbi)) != 0 ||
	    (rc = mdb_del(txn, dbi, &k, NULL)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		return fail("deleting the key", rc);
	mdb_env_close(env);
	return 0;
}

int
main(int argc, char **argv)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	uint8_t		 key[9], *copy;
	int		 rc, node;

	if (argc < 4 || (strcmp(argv[2], "record") != 0 &&
	    strcmp(argv[2], "node") != 0 && strcmp(argv[2], "forget") != 0) ||
	    argc != (strcmp(argv[2], "node") == 0 ? 5 : 4)) {
		fprintf(stderr, "usage: lmdb_poke DIR record SEQ | "
		    "lmdb_poke DIR node LEVEL INDEX | lmdb_poke DIR forget KEY\n");
		return 2;
	}
	if (strcmp(argv[2], "forget") == 0)
		return forget(argv[1], argv[3]);
	node = argv[2][0] == 'n';
	if (node) {
		/* The key of merkle.h: the last leaf covered, then the level. */
		key[8] = (uint8_t)strtoul(argv[3], NULL, 10);
		put_be(key, ((strtoull(argv[4], NULL, 10) + 1) << key[8]) - 1,
		    8);
		k.mv_size = 9;
	} else {
		put_be(key, strtoull(argv[3], NULL, 10), 8);
		k.mv_size = 8;
	}
	k.mv_data = key;
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) != 0)
		return fail(argv[1], rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, node ? "tree" : "changes", 0, &dbi)) != 0 ||
	    (rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return fail("reading the value", rc);
	if ((copy = malloc(v.mv_size)) == NULL)
		return fail("copy", ENOMEM);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size - 1] ^= 1;
	v.mv_data = copy;
	if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		return fail("writing the value", rc);
	free(copy);
	mdb_env_close(env);
	return 0;
}
