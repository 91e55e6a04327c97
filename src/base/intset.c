/* intset: see intset.h. */
#include "base/intset.h"

#include "base/mem.h"

#include <string.h>

static uint32_t width_for(int64_t v)
{
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static int64_t get_at(const unsigned char *data, uint32_t width, uint32_t i)
{
    if (width == 2) {
        int16_t v;
        memcpy(&v, data + (size_t)i * 2, 2);
        return v;
    }
    if (width == 4) {
        int32_t v;
        memcpy(&v, data + (size_t)i * 4, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, data + (size_t)i * 8, 8);
    return v;
}

static void set_at(unsigned char *data, uint32_t width, uint32_t i, int64_t v)
{
    if (width == 2) {
        int16_t x = (int16_t)v;
        memcpy(data + (size_t)i * 2, &x, 2);
    } else if (width == 4) {
        int32_t x = (int32_t)v;
        memcpy(data + (size_t)i * 4, &x, 4);
    } else {
        memcpy(data + (size_t)i * 8, &v, 8);
    }
}

struct intset *intset_new(void)
{
    struct intset *is = mem_alloc(sizeof(*is));
    is->width = 2;
    is->len = 0;
    return is;
}

void intset_free(struct intset **is)
{
    mem_free(*is);
    *is = NULL;
}

size_t intset_bytes(const struct intset *is) { return sizeof(*is) + (size_t)is->len * is->width; }

struct intset *intset_dup(const struct intset *is)
{
    struct intset *n = mem_alloc(intset_bytes(is));
    memcpy(n, is, intset_bytes(is));
    return n;
}

int64_t intset_get(const struct intset *is, uint32_t i) { return get_at(is->data, is->width, i); }

/* Position of v, or where it would go; true if found. */
static bool search(const struct intset *is, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi = is->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t m = get_at(is->data, is->width, mid);
        if (m == v) {
            *pos = mid;
            return true;
        }
        if (m < v) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return false;
}

bool intset_contains(const struct intset *is, int64_t v)
{
    uint32_t pos;
    return width_for(v) <= is->width && search(is, v, &pos);
}

bool intset_add(struct intset **isp, int64_t v)
{
    struct intset *is = *isp;
    uint32_t w = width_for(v);
    if (w > is->width) {
        /* upgrade: widen every member from the end backwards (in place in
         * the grown block); v is beyond every member, at one end */
        uint32_t old = is->width;
        is = mem_realloc(is, sizeof(*is) + (size_t)(is->len + 1) * w);
        bool front = v < 0;
        for (uint32_t i = is->len; i-- > 0;)
            set_at(is->data, w, i + (front ? 1 : 0), get_at(is->data, old, i));
        is->width = w;
        set_at(is->data, w, front ? 0 : is->len, v);
        is->len++;
        *isp = is;
        return true;
    }
    uint32_t pos;
    if (search(is, v, &pos)) return false;
    is = mem_realloc(is, sizeof(*is) + (size_t)(is->len + 1) * is->width);
    memmove(is->data + (size_t)(pos + 1) * is->width, is->data + (size_t)pos * is->width,
            (size_t)(is->len - pos) * is->width);
    set_at(is->data, is->width, pos, v);
    is->len++;
    *isp = is;
    return true;
}

bool intset_remove(struct intset **isp, int64_t v)
{
    struct intset *is = *isp;
    uint32_t pos;
    if (width_for(v) > is->width || !search(is, v, &pos)) return false;
    memmove(is->data + (size_t)pos * is->width, is->data + (size_t)(pos + 1) * is->width,
            (size_t)(is->len - pos - 1) * is->width);
    is->len--;
    *isp = mem_realloc(is, sizeof(*is) + (size_t)is->len * is->width);
    return true;
}
