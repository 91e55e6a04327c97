/* object: the value stored under a key.
 *
 * A value is a small header (type, encoding, flags) followed by its
 * payload. Strings come in three encodings chosen by obj_new_string():
 *   INT     a decimal that round-trips through int64 ("123", not "0123")
 *   EMBSTR  up to OBJ_EMBSTR_MAX bytes stored inline after the header, so a
 *           small string is one allocation of 8 + len + 1 bytes
 *   RAW     a separate growable buffer (APPEND/SETRANGE targets, long
 *           strings)
 * Integers 0..OBJ_SHARED_INTS-1 are preallocated and shared (flag
 * OBJ_F_SHARED): obj_free() leaves them alone. Access time (LRU/LFU) lives in
 * the key entry, not here, which is what makes sharing possible.
 *
 * Collections (later issues) keep a pointer to their structure in u.ptr.
 * Ownership: the keyspace owns the values stored in it; obj_free() frees a
 * value and its payload. */
#ifndef APIARY_OBJECT_H
#define APIARY_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum obj_type { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4 };

/* Numbered as Redis numbers them, so OBJECT ENCODING maps 1:1. */
enum obj_enc {
    ENC_RAW = 0,
    ENC_INT = 1,
    ENC_HT = 2,
    ENC_INTSET = 6,
    ENC_SKIPLIST = 7,
    ENC_EMBSTR = 8,
    ENC_QUICKLIST = 9,
    ENC_LISTPACK = 11,
};

#define OBJ_F_SHARED 1
#define OBJ_EMBSTR_MAX 44
#define OBJ_SHARED_INTS 10000

struct obj {
    uint8_t type;
    uint8_t enc;
    uint16_t flags;
    uint32_t elen; /* EMBSTR length */
    union {
        long long i;
        struct {
            char *ptr;
            size_t len, cap;
        } raw;
        char emb[8]; /* really elen + 1 bytes */
        void *ptr;
    } u;
};

/* Room obj_str() may need to format an INT. */
#define OBJ_STRBUF 24

/* Collections register how their payload is freed, copied and measured,
 * so the keyspace (core) handles every type without knowing any of them:
 * DEL frees, COPY duplicates, MEMORY USAGE measures through these. A type
 * registers once at start-up (the server layer calls each type's init);
 * the table is process-wide, like the shared integers. */
struct obj_type_ops {
    void (*free_payload)(struct obj *o);     /* frees u.ptr's structure */
    struct obj *(*dup)(const struct obj *o); /* a deep copy */
    size_t (*mem)(const struct obj *o);      /* bytes of the payload */
    /* Optional: how much work freeing takes, in allocations to free
     * (e.g. hash-table nodes, list nodes); NULL counts as 1. Lazy free
     * hands a value to its thread above a threshold. free_payload must be
     * safe on another thread: it may touch only the value's own memory and
     * mem_free(), no process-wide state. */
    size_t (*free_effort)(const struct obj *o);
};
void obj_register_type(enum obj_type type, const struct obj_type_ops *ops);

void obj_init_shared(void);
void obj_free_shared(void);

struct obj *obj_new_string(const char *p, size_t len);
/* A collection's header: 16 bytes (header and u.ptr only, not the whole
 * union); the caller sets enc and u.ptr. */
struct obj *obj_new_collection(enum obj_type type);
struct obj *obj_new_raw(const char *p, size_t len, size_t cap);
struct obj *obj_new_int(long long v);
/* A string value whose bytes are exactly p/len but never INT-encoded. */
struct obj *obj_new_string_noint(const char *p, size_t len);
void obj_free(struct obj *o);
/* Work to free o (1 for strings and compact encodings); see free_effort. */
size_t obj_free_effort(const struct obj *o);
/* A deep copy, or NULL for a type that registered no dup. */
struct obj *obj_dup(const struct obj *o);

const char *obj_type_name(const struct obj *o);
const char *obj_enc_name(const struct obj *o);

/* Bytes of a string value; INT is formatted into buf (OBJ_STRBUF). */
static inline const char *obj_str(const struct obj *o, char *buf, size_t *len);
size_t obj_strlen(const struct obj *o);
/* int64 value of a string if it is a valid integer. */
bool obj_get_ll(const struct obj *o, long long *out);
/* Make a string RAW (for in-place edits) with capacity >= cap; may return
 * a different object (the old one is freed). */
struct obj *obj_make_raw(struct obj *o, size_t cap);
/* Memory used by a value, for MEMORY USAGE and eviction estimates. */
size_t obj_mem(const struct obj *o);

int util_ll2str(char *dst, long long v);
static inline const char *obj_str(const struct obj *o, char *buf, size_t *len)
{
    switch (o->enc) {
    case ENC_EMBSTR: *len = o->elen; return o->u.emb;
    case ENC_RAW: *len = o->u.raw.len; return o->u.raw.ptr;
    default: *len = (size_t)util_ll2str(buf, o->u.i); return buf;
    }
}

#endif
