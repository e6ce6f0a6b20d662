/*
 * Small helpers over msgpack-c objects and packers, shared by server and
 * client. Strings in msgpack objects are not NUL-terminated.
 */
#ifndef QC_MSG_H
#define QC_MSG_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

/* Value for key in a map object, or NULL if o is not a map or lacks it. */
const msgpack_object *qc_map_get(const msgpack_object *o, const char *key);
/* As qc_map_get, for a key of len bytes (not NUL-terminated). */
const msgpack_object *qc_map_getn(const msgpack_object *o, const char *key,
		    size_t len);
/* 1 if o is a str equal to s. */
int		 qc_obj_streq(const msgpack_object *o, const char *s);
/* Sets *s and *len if o is a str and returns 0; -1 otherwise. */
int		 qc_obj_str(const msgpack_object *o, const char **s, size_t *len);
/* Sets *v if o is a non-negative integer and returns 0; -1 otherwise. */
int		 qc_obj_uint(const msgpack_object *o, uint64_t *v);
/* Copies a str object into buf (NUL-terminated); -1 if not a str or too long. */
int		 qc_obj_strcpy(const msgpack_object *o, char *buf, size_t size);
/*
 * Copies the len bytes at s and a NUL into an arena at *p (room checked
 * by the caller), moves *p past them and returns where they went.
 */
const char	*qc_arena_str(char **p, const char *s, size_t len);

/* Packs a NUL-terminated string; returns msgpack's 0 / -1. */
int		 qc_pack_cstr(msgpack_packer *pk, const char *s);
/* Packs str key then NUL-terminated string value. */
int		 qc_pack_kv_str(msgpack_packer *pk, const char *k, const char *v);
/* Packs str key then unsigned integer value. */
int		 qc_pack_kv_uint(msgpack_packer *pk, const char *k, uint64_t v);

#endif
