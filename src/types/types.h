/* types: what the rest of the program needs of the value types as a
 * whole. types_init() registers every collection type's operations (free,
 * copy, measure) with core/object; the server, the checkers, the fuzzers
 * and the unit tests call it once before any value exists. */
#ifndef APIARY_TYPES_H
#define APIARY_TYPES_H

void types_init(void);

#endif
