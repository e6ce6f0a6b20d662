/*
 * A replica's view of its primary (replica.h), under one small lock: the
 * follower writes it a few times a second at most, hello and checkpoint
 * read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "replica.h"

struct replica *
replica_new(const char *primary)
{
	struct replica	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (pthread_mutex_init(&r->rp_mtx, NULL) != 0) {
		free(r);
		return NULL;
	}
	snprintf(r->rp_primary, sizeof(r->rp_primary), "%s", primary);
	return r;
}

void
replica_free(struct replica *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->rp_mtx);
	free(r);
}

void
replica_heard(struct replica *r, uint64_t primary_head,
    uint64_t behind_since)
{
	pthread_mutex_lock(&r->rp_mtx);
	r->rp_primary_head = primary_head;
	r->rp_behind_since = behind_since;
	r->rp_heard = (uint64_t)time(NULL);
	pthread_mutex_unlock(&r->rp_mtx);
}

void
replica_set_checkpoint(struct replica *r, const struct checkpoint *cp,
    const char *origin, const char *key_id)
{
	pthread_mutex_lock(&r->rp_mtx);
	r->rp_cp = *cp;
	snprintf(r->rp_origin, sizeof(r->rp_origin), "%s", origin);
	snprintf(r->rp_key_id, sizeof(r->rp_key_id), "%s", key_id);
	r->rp_cp.cp_signer = NULL;
	r->rp_cp.cp_key_id = NULL;
	r->rp_has_cp = 1;
	pthread_mutex_unlock(&r->rp_mtx);
}

void
replica_stopped(struct replica *r, const char *why)
{
	pthread_mutex_lock(&r->rp_mtx);
	snprintf(r->rp_stopped, sizeof(r->rp_stopped), "%s", why);
	pthread_mutex_unlock(&r->rp_mtx);
}

int
replica_checkpoint(struct replica *r, struct checkpoint *cp, char *origin,
    char *key_id)
{
	int	 has;

	pthread_mutex_lock(&r->rp_mtx);
	if ((has = r->rp_has_cp)) {
		*cp = r->rp_cp;
		memcpy(origin, r->rp_origin, sizeof(r->rp_origin));
		memcpy(key_id, r->rp_key_id, sizeof(r->rp_key_id));
	}
	pthread_mutex_unlock(&r->rp_mtx);
	if (has)
		cp->cp_key_id = key_id[0] != '\0' ? key_id : NULL;
	return has ? 0 : -1;
}

int
replica_key_current(struct replica *r, const char *key_id, size_t len)
{
	int	 same;

	pthread_mutex_lock(&r->rp_mtx);
	same = r->rp_has_cp && strlen(r->rp_key_id) == len &&
	    memcmp(r->rp_key_id, key_id, len) == 0;
	pthread_mutex_unlock(&r->rp_mtx);
	return same;
}

int
replica_pack_hello(struct replica *r, msgpack_packer *pk, uint64_t applied)
{
	char		 primary[sizeof(r->rp_primary)];
	char		 stopped[sizeof(r->rp_stopped)];
	uint64_t	 now = (uint64_t)time(NULL), lag = 0, secs = 0;
	uint64_t	 head, since;

	if (r == NULL)
		return msgpack_pack_map(pk, 1) != 0 ||
		    qc_pack_kv_str(pk, "role", "primary") != 0 ? -1 : 0;
	pthread_mutex_lock(&r->rp_mtx);
	memcpy(primary, r->rp_primary, sizeof(primary));
	memcpy(stopped, r->rp_stopped, sizeof(stopped));
	head = r->rp_primary_head;
	since = r->rp_behind_since;
	pthread_mutex_unlock(&r->rp_mtx);
	if (head > applied)
		lag = head - applied;
	if (lag > 0 && since != 0 && now > since)
		secs = now - since;
	if (msgpack_pack_map(pk, 7 + (stopped[0] != '\0')) != 0 ||
	    qc_pack_kv_str(pk, "role", "replica") != 0 ||
	    qc_pack_kv_str(pk, "primary", primary) != 0 ||
	    qc_pack_kv_uint(pk, "applied", applied) != 0 ||
	    qc_pack_kv_uint(pk, "primary_head", head) != 0 ||
	    qc_pack_kv_uint(pk, "lag_records", lag) != 0 ||
	    qc_pack_kv_uint(pk, "lag_seconds", secs) != 0 ||
	    qc_pack_cstr(pk, "following") != 0 ||
	    (stopped[0] == '\0' ? msgpack_pack_true(pk) :
	    msgpack_pack_false(pk)) != 0)
		return -1;
	if (stopped[0] != '\0' &&
	    qc_pack_kv_str(pk, "stopped", stopped) != 0)
		return -1;
	return 0;
}
