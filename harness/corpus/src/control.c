#include "corpus.h"

u64 switch_dense(u64 x) {
    switch (x & 15) {
    case 0: return x + 11;
    case 1: return x * 3;
    case 2: return x ^ 0x55;
    case 3: return x >> 2;
    case 4: return ~x;
    case 5: return x - 99;
    case 6: return x * x;
    case 7: return x | 0x8000;
    case 8: return x + (x >> 7);
    case 9: return 12345;
    default: return x;
    }
}

u64 switch_sparse(u64 x) {
    switch (x % 1000) {
    case 1: return 10;
    case 42: return 20;
    case 100: return 30;
    case 777: return 40;
    case 999: return 50;
    default: return x % 7;
    }
}

u64 early_exit(u64 x) {
    if (!x) return 7;
    return helper(x) ^ x;
}

u64 bit_test(u64 x) {
    if (x & (1ul << 5)) return x + 1000;
    if (x & (1ul << 40)) return x - 3;
    return x * 5;
}

u64 count_down(u64 n) {
    u64 acc = 0;
    n &= 0x3ff;
    while (n) { acc += n * n; n--; }
    return acc;
}

u64 tail_caller(u64 x) { return helper(x + 1); }

u64 call_twice(u64 x) { return helper(x) + helper(x * 2); }

static NOINLINE u64 twice(u64 x) { return x * 2; }
static NOINLINE u64 square(u64 x) { return x * x; }
static NOINLINE u64 negate(u64 x) { return -x; }
static u64 (*const operations[4])(u64) = { twice, square, negate, helper };

u64 indirect_call(u64 x) { return operations[x & 3](x); }

u64 select_min(u64 a, u64 b, u64 c) {
    u64 m = a < b ? a : b;
    return m < c ? m : c;
}

u64 loop_to_start(u64 n) {
    /* A loop whose head is the function's first instruction in some builds. */
    u64 x = 1;
    do { x = x * 31 + n; n >>= 1; } while (n);
    return x;
}

u64 nested_loops(u64 a, u64 b) {
    u64 s = 0;
    for (u64 i = 0; i < (a & 15); i++)
        for (u64 j = 0; j < (b & 15); j++)
            s += i * j + (i ^ j);
    return s;
}
