/* intset: a sorted set of int64 values in one contiguous block, stored at
 * the narrowest width (2, 4 or 8 bytes) that holds every member. It is the
 * compact encoding of small all-integer sets (set-max-intset-entries).
 *
 * Invariants: members are strictly increasing; `width` is the smallest of
 * 2/4/8 that fits every member (a wider value upgrades the whole set; the
 * set never narrows). Lookups are binary searches, O(log n); additions and
 * removals move the tail, O(n), which is why the set converts to a hash
 * table beyond its size limit. Functions that may reallocate take `**`. */
#ifndef APIARY_INTSET_H
#define APIARY_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intset {
    uint32_t width; /* bytes per member: 2, 4 or 8 */
    uint32_t len;
    unsigned char data[];
};

struct intset *intset_new(void);
void intset_free(struct intset **is);
struct intset *intset_dup(const struct intset *is);
/* True if v was added (false: already present). */
bool intset_add(struct intset **is, int64_t v);
/* True if v was removed. */
bool intset_remove(struct intset **is, int64_t v);
bool intset_contains(const struct intset *is, int64_t v);
static inline uint32_t intset_len(const struct intset *is) { return is->len; }
/* Member at position i (0 <= i < len), in increasing order. */
int64_t intset_get(const struct intset *is, uint32_t i);
size_t intset_bytes(const struct intset *is);

#endif
