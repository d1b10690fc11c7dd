#include "corpus.h"

struct point { i32 x, y, z; };
struct point points[8] = { {1, 2, 3}, {-4, 5, -6}, {7, -8, 9}, {10, 11, 12},
                           {-13, -14, -15}, {16, 0, 0}, {0, 17, 0}, {0, 0, -18} };
static const u8 pattern[32] = { 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 121, 98, 219,
                                61, 24, 85, 109, 194, 47, 241, 32, 17, 49, 66, 115, 181, 40, 221, 5 };

void bump_counter(u64 by) { counter += by; }

u64 read_counter(void) { return counter; }

u64 record(u64 x) {
    u64 slot = counter++ & 15;
    history[slot] = x;
    return slot;
}

void fill_scratch(u64 seed) {
    for (u64 i = 0; i < 64; i++) scratch[i] = (u8)((seed * (i + 1)) >> 3);
}

u64 checksum_scratch(u64 n) {
    u64 sum = 0;
    n &= 255;
    for (u64 i = 0; i < n; i++) sum = sum * 131 + scratch[i];
    return sum;
}

u64 copy_pattern(u64 offset) {
    offset &= 127;
    memcpy(scratch + offset, pattern, sizeof pattern);
    return scratch[offset + 7];
}

u64 clear_scratch(u64 from) {
    from &= 127;
    memset(scratch + from, 0, 64);
    return from;
}

u64 point_norm1(u64 i) {
    struct point p = points[i & 7];
    return (u64)(p.x < 0 ? -p.x : p.x) + (u64)(p.y < 0 ? -p.y : p.y) + (u64)(p.z < 0 ? -p.z : p.z);
}

u64 move_point(u64 i, u64 dx) {
    struct point *p = &points[i & 7];
    p->x += (i32)dx;
    p->y -= (i32)(dx >> 8);
    return (u64)(i64)p->x;
}

u64 string_hash(u64 len) {
    u64 h = 5381;
    len &= 63;
    for (u64 i = 0; i < len && scratch[i]; i++) h = h * 33 ^ scratch[i];
    return h;
}

u64 sort_scratch(u64 n) {
    n &= 31;
    for (u64 i = 0; i < n; i++)
        for (u64 j = 0; j + 1 < n - i; j++)
            if (scratch[j] > scratch[j + 1]) { u8 t = scratch[j]; scratch[j] = scratch[j + 1]; scratch[j + 1] = t; }
    return n ? scratch[0] : 0;
}

u64 reverse_scratch(u64 n) {
    n &= 255;
    for (u64 i = 0; i < n / 2; i++) { u8 t = scratch[i]; scratch[i] = scratch[n - 1 - i]; scratch[n - 1 - i] = t; }
    return n;
}
