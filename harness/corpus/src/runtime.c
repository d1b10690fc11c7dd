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

NOINLINE u64 helper(u64 x) {
    counter += 1;
    return x * 2654435761u + 17;
}
