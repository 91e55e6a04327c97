/* object: see object.h. */
#include "core/object.h"

#include "base/mem.h"
#include "base/util.h"

#include <stddef.h>
#include <string.h>

static struct obj *shared_ints;
static const struct obj_type_ops *type_ops[OBJ_HASH + 1];

void obj_register_type(enum obj_type type, const struct obj_type_ops *ops)
{
    if ((unsigned)type <= OBJ_HASH) type_ops[type] = ops;
}

void obj_init_shared(void)
{
    if (shared_ints) return;
    shared_ints = mem_calloc(sizeof(struct obj) * OBJ_SHARED_INTS);
    for (int i = 0; i < OBJ_SHARED_INTS; i++) {
        shared_ints[i].type = OBJ_STRING;
        shared_ints[i].enc = ENC_INT;
        shared_ints[i].flags = OBJ_F_SHARED;
        shared_ints[i].u.i = i;
    }
}

void obj_free_shared(void)
{
    mem_free(shared_ints);
    shared_ints = NULL;
}

struct obj *obj_new_int(long long v)
{
    if (v >= 0 && v < OBJ_SHARED_INTS && shared_ints) return &shared_ints[v];
    struct obj *o = mem_alloc(offsetof(struct obj, u) + sizeof(long long));
    o->type = OBJ_STRING;
    o->enc = ENC_INT;
    o->flags = 0;
    o->elen = 0;
    o->u.i = v;
    return o;
}

struct obj *obj_new_collection(enum obj_type type)
{
    struct obj *o = mem_alloc(offsetof(struct obj, u) + sizeof(void *));
    o->type = (uint8_t)type;
    o->enc = 0;
    o->flags = 0;
    o->elen = 0;
    o->u.ptr = NULL;
    return o;
}

struct obj *obj_new_raw(const char *p, size_t len, size_t cap)
{
    if (cap < len) cap = len;
    struct obj *o = mem_alloc(sizeof(struct obj));
    o->type = OBJ_STRING;
    o->enc = ENC_RAW;
    o->flags = 0;
    o->elen = 0;
    o->u.raw.ptr = mem_alloc(cap + 1);
    o->u.raw.cap = mem_usable(o->u.raw.ptr) - 1;
    if (len) memcpy(o->u.raw.ptr, p, len);
    o->u.raw.ptr[len] = '\0';
    o->u.raw.len = len;
    return o;
}

struct obj *obj_new_string_noint(const char *p, size_t len)
{
    if (len > OBJ_EMBSTR_MAX) return obj_new_raw(p, len, len);
    struct obj *o = mem_alloc(offsetof(struct obj, u) + len + 1);
    o->type = OBJ_STRING;
    o->enc = ENC_EMBSTR;
    o->flags = 0;
    o->elen = (uint32_t)len;
    /* the bytes run past emb's declared 8 (the allocation holds them):
     * index through a plain pointer, which bounds checks cannot misjudge */
    char *dst = o->u.emb;
    if (len) memcpy(dst, p, len);
    dst[len] = '\0';
    return o;
}

struct obj *obj_new_string(const char *p, size_t len)
{
    long long v;
    if (len <= 20 && len > 0 && util_str2ll(p, len, &v)) return obj_new_int(v);
    return obj_new_string_noint(p, len);
}

void obj_free(struct obj *o)
{
    if (!o || (o->flags & OBJ_F_SHARED)) return;
    if (o->type == OBJ_STRING) {
        if (o->enc == ENC_RAW) mem_free(o->u.raw.ptr);
    } else if (o->type <= OBJ_HASH && type_ops[o->type] && type_ops[o->type]->free_payload) {
        type_ops[o->type]->free_payload(o);
    }
    mem_free(o);
}

size_t obj_free_effort(const struct obj *o)
{
    if (o->type != OBJ_STRING && o->type <= OBJ_HASH && type_ops[o->type] &&
        type_ops[o->type]->free_effort)
        return type_ops[o->type]->free_effort(o);
    return 1;
}

struct obj *obj_dup(const struct obj *o)
{
    if (o->flags & OBJ_F_SHARED) return (struct obj *)o;
    if (o->type == OBJ_STRING) {
        switch (o->enc) {
        case ENC_INT: return obj_new_int(o->u.i);
        case ENC_EMBSTR: return obj_new_string_noint(o->u.emb, o->elen);
        default: return obj_new_raw(o->u.raw.ptr, o->u.raw.len, o->u.raw.len);
        }
    }
    if (o->type <= OBJ_HASH && type_ops[o->type] && type_ops[o->type]->dup)
        return type_ops[o->type]->dup(o);
    return NULL;
}

const char *obj_type_name(const struct obj *o)
{
    static const char *names[] = {"string", "list", "set", "zset", "hash"};
    return o->type <= OBJ_HASH ? names[o->type] : "unknown";
}

const char *obj_enc_name(const struct obj *o)
{
    switch (o->enc) {
    case ENC_RAW: return "raw";
    case ENC_INT: return "int";
    case ENC_HT: return "hashtable";
    case ENC_INTSET: return "intset";
    case ENC_SKIPLIST: return "skiplist";
    case ENC_EMBSTR: return "embstr";
    case ENC_QUICKLIST: return "quicklist";
    case ENC_LISTPACK: return "listpack";
    default: return "unknown";
    }
}

size_t obj_strlen(const struct obj *o)
{
    switch (o->enc) {
    case ENC_EMBSTR: return o->elen;
    case ENC_RAW: return o->u.raw.len;
    default: return (size_t)util_ll_digits(o->u.i);
    }
}

bool obj_get_ll(const struct obj *o, long long *out)
{
    if (o->type != OBJ_STRING) return false;
    if (o->enc == ENC_INT) {
        *out = o->u.i;
        return true;
    }
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    return util_str2ll(p, len, out);
}

struct obj *obj_make_raw(struct obj *o, size_t cap)
{
    if (o->enc == ENC_RAW && !(o->flags & OBJ_F_SHARED)) {
        if (o->u.raw.cap < cap) {
            /* grow geometrically so repeated APPEND is amortized O(1) */
            size_t ncap = cap < 1024 * 1024 ? cap * 2 : cap + 1024 * 1024;
            o->u.raw.ptr = mem_realloc(o->u.raw.ptr, ncap + 1);
            o->u.raw.cap = mem_usable(o->u.raw.ptr) - 1;
        }
        return o;
    }
    char buf[OBJ_STRBUF];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    struct obj *n = obj_new_raw(p, len, cap > len ? cap : len);
    obj_free(o);
    return n;
}

size_t obj_mem(const struct obj *o)
{
    if (o->flags & OBJ_F_SHARED) return 0;
    size_t n = mem_usable(o);
    if (o->type == OBJ_STRING) {
        if (o->enc == ENC_RAW) n += mem_usable(o->u.raw.ptr);
    } else if (o->type <= OBJ_HASH && type_ops[o->type] && type_ops[o->type]->mem) {
        n += type_ops[o->type]->mem(o);
    }
    return n;
}
