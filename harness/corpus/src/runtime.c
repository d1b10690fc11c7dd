#include "corpus.h"

u8 scratch[256];
u64 counter;
u64 history[16];

/* Compilers may turn loops and struct copies into calls to these even when freestanding. */
void *memcpy(void *dst, const void *src, u64 n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, u64 n) {
    u8 *d = dst;
    while (n--) *d++ = (u8)c;
    return dst;
}

/* gcc calls this for __builtin_popcount on x86-64 without POPCNT (vector.c); the SWAR form below is
   not turned back into a call. */
i32 __popcountdi2(u64 x) {
    x = x - ((x >> 1) & 0x5555555555555555ul);
    x = (x & 0x3333333333333333ul) + ((x >> 2) & 0x3333333333333333ul);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0ful;
    return (i32)((x * 0x0101010101010101ul) >> 56);
}

NOINLINE u64 helper(u64 x) {
    counter += 1;
    return x * 2654435761u + 17;
}
