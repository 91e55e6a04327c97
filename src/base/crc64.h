/* crc64: the CRC-64 RDB files and DUMP payloads carry (Jones polynomial
 * 0xad93d23594c935a9, reflected input and output, initial value 0, no final
 * xor). crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 *
 * Table driven, eight bytes per step ("slicing by 8"); the tables are
 * built on first use (crc64_init() builds them eagerly, for threads). */
#ifndef APIARY_CRC64_H
#define APIARY_CRC64_H

#include <stddef.h>
#include <stdint.h>

void crc64_init(void);
uint64_t crc64(uint64_t crc, const void *p, size_t len);

#endif
