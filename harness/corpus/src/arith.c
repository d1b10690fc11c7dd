#include "corpus.h"

u64 identity(u64 x) { return x; }

u64 add3(u64 a, u64 b, u64 c) { return a + b * 3 + c; }

i64 clamp(i64 v, i64 lo, i64 hi) {
    if (lo > hi) { i64 t = lo; lo = hi; hi = t; }
    return v < lo ? lo : v > hi ? hi : v;
}

u64 mul_hi(u64 a, u64 b) { return (u64)(((unsigned __int128)a * b) >> 64); }

u64 popcount_loop(u64 x) {
    u64 n = 0;
    while (x) { x &= x - 1; n++; }
    return n;
}

u64 gcd(u64 a, u64 b) {
    a |= 1;
    while (b) { u64 t = a % b; a = b; b = t; }
    return a;
}

u64 isqrt(u64 n) {
    u64 x = n, y = (x + 1) / 2;
    if (n < 2) return n;
    while (y < x) { x = y; y = (x + n / x) / 2; }
    return x;
}

i64 sign(i64 x) { return (x > 0) - (x < 0); }

u64 collatz_steps(u64 n) {
    u64 steps = 0;
    n = (n & 0xffff) | 1;
    while (n != 1 && steps < 500) { n = (n & 1) ? 3 * n + 1 : n / 2; steps++; }
    return steps;
}

static u64 fib_rec(u64 n) { return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2); }
u64 fib(u64 n) { return fib_rec(n & 15); }

i64 div_round(i64 a, i64 b) {
    b |= 1;
    if (b == -1) return -(u64)a;
    i64 q = a / b, r = a % b;
    if (2 * (r < 0 ? -r : r) >= (b < 0 ? -b : b)) q += ((a < 0) == (b < 0)) ? 1 : -1;
    return q;
}

u64 bitrev(u64 x) {
    u64 r = 0;
    for (int i = 0; i < 64; i++) { r = (r << 1) | (x & 1); x >>= 1; }
    return r;
}

u64 rotl_mix(u64 x, u64 r) {
    r &= 63;
    x = (x << r) | (x >> ((64 - r) & 63));
    return x ^ (x >> 29) ^ 0x9e3779b97f4a7c15ul;
}

u64 big_constant(u64 x) { return x * 0x123456789abcdefull + 0xfedcba987654321ull; }

u32 narrow_ops(u32 a, u32 b) {
    u32 s = a + b, d = a - b;
    return (s ^ d) * 7u + (a >> (b & 31));
}

u64 abs_diff(u64 a, u64 b) { return a > b ? a - b : b - a; }
