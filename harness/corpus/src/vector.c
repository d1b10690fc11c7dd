#include "corpus.h"

/* Loops that compilers vectorise: integer only. Every function fills its inputs from its arguments
   (so results depend on them), works on global arrays (so the memory effects are compared) and
   returns a value that depends on every output. Signed arithmetic is done where it cannot overflow,
   or in unsigned types. */
typedef short i16;
typedef unsigned short u16;
typedef signed char i8;

#define N 64

u8 vec_u8a[N], vec_u8b[N], vec_u8c[2 * N];
i16 vec_i16a[N], vec_i16b[N], vec_i16c[2 * N];
i32 vec_i32a[N], vec_i32b[N], vec_i32c[N];
i64 vec_i64a[N];

/* Inputs: arithmetic progressions modulo the lane width, the pattern gcc widens with saddw. */
static inline void fill_u8(u8 *a, u64 seed) { for (u32 i = 0; i < N; i++) a[i] = (u8)(seed + i * (seed >> 8 | 1)); }
static inline void fill_i16(i16 *a, u64 seed) { for (u32 i = 0; i < N; i++) a[i] = (i16)(seed + i * (seed >> 16 | 1)); }
static inline void fill_i32(i32 *a, u64 seed) { for (u32 i = 0; i < N; i++) a[i] = (i32)(u32)(seed + i * (seed >> 32 | 1)); }

static inline u64 sum_i32(const i32 *a) { u32 s = 0; for (u32 i = 0; i < N; i++) s += (u32)a[i]; return s; }
static inline u64 sum_i16(const i16 *a, u32 n) { u32 s = 0; for (u32 i = 0; i < n; i++) s += (u16)a[i]; return s; }
static inline u64 sum_u8(const u8 *a, u32 n) { u32 s = 0; for (u32 i = 0; i < n; i++) s = s * 3 + a[i]; return s; }

u64 vec_iota(u64 base, u64 n) {
    n &= 63;
    for (u64 i = 0; i < n; i++) vec_i32a[i] = (i32)(base + i);
    return (u64)(i64)vec_i32a[n / 2];
}

/* base + i stored as i64: gcc -O2 for AArch64 widens i into base with saddw/saddw2 (0x0ea01043, 0x4ea01040). */
u64 vec_iota_long(u64 base) {
    for (i32 i = 0; i < N; i++) vec_i64a[i] = (i64)(base + (u64)(i64)i);
    return (u64)vec_i64a[base & 63];
}

u64 vec_widen_add(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    for (u32 i = 0; i < N; i++) vec_i16a[i] = (i16)(vec_u8a[i] + vec_u8b[i]);
    for (u32 i = 0; i < N; i++) vec_i32a[i] = vec_i16a[i] - (i8)vec_u8b[i];
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)vec_i32a[i] + (u32)vec_i32a[N - 1 - i];
    return sum_i16(vec_i16a, N) ^ sum_i32(vec_i32a) ^ (u64)vec_i64a[7];
}

u64 vec_widen_mul(u64 x, u64 y) {
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    for (u32 i = 0; i < N; i++) vec_i32a[i] = vec_i16a[i] * vec_i16b[i];
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)vec_i32a[i] * (i64)(i32)(x >> 7);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)((u32)vec_u8a[i] * (u32)(u8)y);
    return sum_i32(vec_i32a) + (u64)vec_i64a[N - 1] + sum_i32(vec_i32b);
}

u64 vec_narrow(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)(x * (i + 1) + y);
    for (u32 i = 0; i < N; i++) vec_u8a[i] = (u8)(vec_i32a[i] >> 8);
    for (u32 i = 0; i < N; i++) vec_i16a[i] = (i16)vec_i64a[i];
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i16)((u32)vec_i32a[i] >> 16);
    return sum_u8(vec_u8a, N) + sum_i16(vec_i16a, N) + sum_i16(vec_i16b, N);
}

u64 vec_reduce(u64 x, u64 n) {
    fill_u8(vec_u8a, x);
    fill_i16(vec_i16a, x >> 3);
    fill_i32(vec_i32a, x * 5);
    n = (n & 63) + 1;
    u32 s8 = 0, x16 = 0, a32 = ~0u;
    i64 s16 = 0;
    u8 mx = 0;
    i32 mn = 0x7fffffff;
    for (u64 i = 0; i < n; i++) s8 += vec_u8a[i];
    for (u64 i = 0; i < n; i++) s16 += vec_i16a[i];
    for (u64 i = 0; i < n; i++) x16 ^= (u16)vec_i16a[i];
    for (u64 i = 0; i < n; i++) a32 &= (u32)vec_i32a[i] | 0x10;
    for (u64 i = 0; i < n; i++) mx = vec_u8a[i] > mx ? vec_u8a[i] : mx;
    for (u64 i = 0; i < n; i++) mn = vec_i32a[i] < mn ? vec_i32a[i] : mn;
    return s8 + (u64)s16 * 3 + x16 * 5 + a32 + mx * 7 + (u64)(i64)mn;
}

u64 vec_saturate(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    fill_i16(vec_i16a, x >> 8);
    fill_i16(vec_i16b, y >> 8);
    for (u32 i = 0; i < N; i++) { u32 s = vec_u8a[i] + vec_u8b[i]; vec_u8c[i] = s > 255 ? 255 : (u8)s; }
    for (u32 i = 0; i < N; i++) vec_u8c[N + i] = vec_u8a[i] > vec_u8b[i] ? (u8)(vec_u8a[i] - vec_u8b[i]) : 0;
    for (u32 i = 0; i < N; i++) {
        i32 s = vec_i16a[i] + vec_i16b[i];
        vec_i16c[i] = (i16)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
    }
    for (u32 i = 0; i < N; i++) {
        i32 s = vec_i16a[i] - vec_i16b[i];
        vec_i16c[N + i] = (i16)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
    }
    return sum_u8(vec_u8c, 2 * N) + sum_i16(vec_i16c, 2 * N);
}

u64 vec_saturate_narrow(u64 x, u64 y) {
    fill_i16(vec_i16a, x);
    fill_i32(vec_i32a, y);
    for (u32 i = 0; i < N; i++) { i16 v = vec_i16a[i]; vec_u8a[i] = (u8)(i8)(v > 127 ? 127 : v < -128 ? -128 : v); }
    for (u32 i = 0; i < N; i++) { i16 v = vec_i16a[i]; vec_u8b[i] = (u8)(v > 255 ? 255 : v < 0 ? 0 : v); }
    for (u32 i = 0; i < N; i++) { i32 v = vec_i32a[i]; vec_i16b[i] = (i16)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }
    for (u32 i = 0; i < N; i++) { u32 v = (u32)vec_i32a[i]; vec_i16c[i] = (i16)(u16)(v > 65535 ? 65535 : v); }
    return sum_u8(vec_u8a, N) + sum_u8(vec_u8b, N) * 3 + sum_i16(vec_i16b, N) + sum_i16(vec_i16c, N);
}

u64 vec_min_max(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    fill_i32(vec_i32a, x);
    fill_i32(vec_i32b, y);
    for (u32 i = 0; i < N; i++) vec_u8c[i] = vec_u8a[i] < vec_u8b[i] ? vec_u8a[i] : vec_u8b[i];
    for (u32 i = 0; i < N; i++) vec_u8c[N + i] = (u8)((i8)vec_u8a[i] > (i8)vec_u8b[i] ? vec_u8a[i] : vec_u8b[i]);
    for (u32 i = 0; i < N; i++) vec_i16c[i] = vec_i16a[i] > vec_i16b[i] ? vec_i16a[i] : vec_i16b[i];
    for (u32 i = 0; i < N; i++) vec_i16c[N + i] = (u16)vec_i16a[i] < (u16)vec_i16b[i] ? vec_i16a[i] : vec_i16b[i];
    for (u32 i = 0; i < N; i++) vec_i32c[i] = vec_i32a[i] < vec_i32b[i] ? vec_i32a[i] : vec_i32b[i];
    for (u32 i = 0; i < N; i++) vec_i32a[i] = (u32)vec_i32a[i] > (u32)vec_i32b[i] ? vec_i32a[i] : vec_i32b[i];
    return sum_u8(vec_u8c, 2 * N) + sum_i16(vec_i16c, 2 * N) + sum_i32(vec_i32c) + sum_i32(vec_i32a);
}

u64 vec_compare_select(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i32(vec_i32b, y);
    fill_i16(vec_i16a, x);
    u32 equal = 0;
    for (u32 i = 0; i < N; i++) vec_i32c[i] = vec_i32a[i] > vec_i32b[i] ? (i32)((u32)vec_i32a[i] - (u32)vec_i32b[i]) : (i32)y;
    for (u32 i = 0; i < N; i++) equal += (vec_i32a[i] & 0xff) == (vec_i32b[i] & 0xff);
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (vec_i16a[i] & 4) ? vec_i16a[i] : (i16)-1;
    for (u32 i = 0; i < N; i++) vec_i32a[i] = (u32)vec_i32a[i] >= (u32)x ? 1 : 0;
    return sum_i32(vec_i32c) + equal + sum_i16(vec_i16b, N) + sum_i32(vec_i32a);
}

u64 vec_compare_long(u64 x, u64 y) {
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)(x * (i + 3) ^ y);
    u64 count = 0;
    for (u32 i = 0; i < N; i++) count += vec_i64a[i] > (i64)y;
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (u64)vec_i64a[i] < x ? vec_i64a[i] : (i64)x;
    return count + (u64)vec_i64a[9];
}

u64 vec_permute(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_i16(vec_i16a, y);
    for (u32 i = 0; i < N; i++) vec_u8b[i] = vec_u8a[N - 1 - i];
    for (u32 i = 0; i < N; i++) vec_i16b[i] = vec_i16a[i ^ 1];
    for (u32 i = 0; i < N; i++) vec_u8c[i] = vec_u8a[i ^ 3];
    return sum_u8(vec_u8b, N) + sum_i16(vec_i16b, N) + sum_u8(vec_u8c, N);
}

static const u8 nibble_bits[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };

u64 vec_table_lookup(u64 x) {
    fill_u8(vec_u8a, x);
    for (u32 i = 0; i < N; i++) vec_u8b[i] = nibble_bits[vec_u8a[i] & 15];
    return sum_u8(vec_u8b, N);
}

u64 vec_shift_vector(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i32(vec_i32b, y);
    fill_i16(vec_i16a, x);
    for (u32 i = 0; i < N; i++) vec_i32c[i] = (i32)((u32)vec_i32a[i] << (vec_i32b[i] & 31));
    for (u32 i = 0; i < N; i++) vec_i32a[i] = vec_i32a[i] >> (vec_i32b[i] & 31);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)((u32)vec_i32b[i] >> (vec_i32c[i] & 31));
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i16)((u16)vec_i16a[i] << (vec_i16a[i] & 15));
    return sum_i32(vec_i32c) + sum_i32(vec_i32a) * 3 + sum_i32(vec_i32b) + sum_i16(vec_i16b, N);
}

u64 vec_shift_immediate(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i16(vec_i16a, y);
    fill_u8(vec_u8a, x ^ y);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (vec_i32a[i] >> 3) + (i32)((u32)vec_i32a[i] >> 29);
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i16)(((u16)vec_i16a[i] << 5) | ((u16)vec_i16a[i] >> 11));
    for (u32 i = 0; i < N; i++) vec_u8b[i] = (u8)((vec_u8a[i] >> 2) + (vec_u8a[i] << 4));
    for (u32 i = 0; i < N; i++) vec_i32c[i] = (i32)(((u32)vec_i32a[i] + 8) >> 4);
    return sum_i32(vec_i32b) + sum_i16(vec_i16b, N) + sum_u8(vec_u8b, N) + sum_i32(vec_i32c);
}

u64 vec_abs_diff(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    fill_i16(vec_i16a, x);
    fill_i32(vec_i32a, y);
    u32 sad = 0;
    for (u32 i = 0; i < N; i++) sad += vec_u8a[i] > vec_u8b[i] ? vec_u8a[i] - vec_u8b[i] : vec_u8b[i] - vec_u8a[i];
    for (u32 i = 0; i < N; i++) vec_u8c[i] = (u8)(vec_u8a[i] > vec_u8b[i] ? vec_u8a[i] - vec_u8b[i] : vec_u8b[i] - vec_u8a[i]);
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i16)(vec_i16a[i] < 0 ? -vec_i16a[i] : vec_i16a[i]);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)(vec_i32a[i] < 0 ? 0u - (u32)vec_i32a[i] : (u32)vec_i32a[i]);
    return sad + sum_u8(vec_u8c, N) + sum_i16(vec_i16b, N) + sum_i32(vec_i32b);
}

u64 vec_dot(u64 x, u64 y) {
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    u32 dot16 = 0;
    u32 dot8 = 0;
    i64 dot64 = 0;
    for (u32 i = 0; i < N; i++) dot16 += (u32)(vec_i16a[i] * vec_i16b[i] >> 2);
    for (u32 i = 0; i < N; i++) dot8 += (u32)vec_u8a[i] * vec_u8b[i];
    for (u32 i = 0; i < N; i++) dot64 += (i64)vec_i16a[i] * vec_i16b[i];
    return dot16 + dot8 + (u64)dot64;
}

u64 vec_multiply(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)((u32)vec_i32a[i] * (u32)y + 12345u);
    for (u32 i = 0; i < N; i++) vec_i16c[i] = (i16)((vec_i16a[i] * vec_i16b[i]) >> 16);
    for (u32 i = 0; i < N; i++) vec_i16c[N + i] = (i16)(((u32)(u16)vec_i16a[i] * (u16)vec_i16b[i]) >> 16);
    for (u32 i = 0; i < N; i++) vec_i32c[i] = (i32)((u32)vec_i32a[i] / 7u);
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)((u64)vec_i64a[i] * (x | 1));
    return sum_i32(vec_i32b) + sum_i16(vec_i16c, 2 * N) + sum_i32(vec_i32c) + (u64)vec_i64a[3];
}

u64 vec_average(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    for (u32 i = 0; i < N; i++) vec_u8c[i] = (u8)((vec_u8a[i] + vec_u8b[i] + 1) >> 1);
    for (u32 i = 0; i < N; i++) vec_u8c[N + i] = (u8)((vec_u8a[i] + vec_u8b[i]) >> 1);
    for (u32 i = 0; i < N; i++) vec_i16c[i] = (i16)(((u32)(u16)vec_i16a[i] + (u16)vec_i16b[i] + 1) >> 1);
    for (u32 i = 0; i < N; i++) vec_i16c[N + i] = (i16)((vec_i16a[i] + vec_i16b[i]) >> 1);
    return sum_u8(vec_u8c, 2 * N) + sum_i16(vec_i16c, 2 * N);
}

u64 vec_byte_swap(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i16(vec_i16a, y);
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)(x * (i + 1));
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)__builtin_bswap32((u32)vec_i32a[i]);
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i16)__builtin_bswap16((u16)vec_i16a[i]);
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i64)__builtin_bswap64((u64)vec_i64a[i]);
    return sum_i32(vec_i32b) + sum_i16(vec_i16b, N) + (u64)vec_i64a[5];
}

u64 vec_popcount(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_u8(vec_u8a, y);
    u32 bits = 0;
    for (u32 i = 0; i < N; i++) bits += (u32)__builtin_popcount((u32)vec_i32a[i]);
    for (u32 i = 0; i < N; i++) vec_u8b[i] = (u8)__builtin_popcount(vec_u8a[i]);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = vec_i32a[i] ? __builtin_clz((u32)vec_i32a[i]) : 32;
    return bits + sum_u8(vec_u8b, N) + sum_i32(vec_i32b);
}

u64 vec_interleave(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_u8(vec_u8b, y);
    fill_i16(vec_i16a, x);
    fill_i16(vec_i16b, y);
    for (u32 i = 0; i < N; i++) { vec_u8c[2 * i] = vec_u8a[i]; vec_u8c[2 * i + 1] = vec_u8b[i]; }
    for (u32 i = 0; i < N; i++) { vec_i16c[2 * i] = vec_i16a[i]; vec_i16c[2 * i + 1] = vec_i16b[i]; }
    return sum_u8(vec_u8c, 2 * N) + sum_i16(vec_i16c, 2 * N);
}

u64 vec_deinterleave(u64 x) {
    for (u32 i = 0; i < 2 * N; i++) vec_u8c[i] = (u8)(x + i * (x >> 8 | 1));
    for (u32 i = 0; i < N; i++) { vec_u8a[i] = vec_u8c[2 * i]; vec_u8b[i] = vec_u8c[2 * i + 1]; }
    for (u32 i = 0; i < 2 * N; i++) vec_i16c[i] = (i16)(x * i);
    for (u32 i = 0; i < N; i++) vec_i32a[i] = vec_i16c[2 * i] + vec_i16c[2 * i + 1];
    u32 rgb = 0;
    for (u32 i = 0; i + 2 < 2 * N; i += 3) rgb += vec_u8c[i] * 2u + vec_u8c[i + 1] * 5u + vec_u8c[i + 2];
    return sum_u8(vec_u8a, N) + sum_u8(vec_u8b, N) * 3 + sum_i32(vec_i32a) + rgb;
}

u64 vec_convert(u64 x, u64 y) {
    fill_u8(vec_u8a, x);
    fill_i16(vec_i16a, y);
    fill_i32(vec_i32a, x ^ y);
    for (u32 i = 0; i < N; i++) vec_i64a[i] = (i8)vec_u8a[i];
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (u16)vec_i16a[i];
    for (u32 i = 0; i < N; i++) vec_i16b[i] = (i8)vec_u8a[i];
    for (u32 i = 0; i < N; i++) vec_u8b[i] = (u8)vec_i64a[N - 1 - i] ^ (u8)vec_i32a[i];
    u64 s = 0;
    for (u32 i = 0; i < N; i++) s += (u32)vec_i32a[i];
    for (u32 i = 0; i < N; i++) s += (u64)(i64)vec_i16a[i];
    return s + (u64)vec_i64a[11] + sum_i32(vec_i32b) + sum_i16(vec_i16b, N) + sum_u8(vec_u8b, N);
}

u64 vec_bit_ops(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i32(vec_i32b, y);
    fill_u8(vec_u8a, x);
    for (u32 i = 0; i < N; i++) vec_i32c[i] = (vec_i32a[i] & ~vec_i32b[i]) | (vec_i32b[i] & (i32)y);
    for (u32 i = 0; i < N; i++) vec_i32a[i] = vec_i32a[i] | ~vec_i32b[i];
    for (u32 i = 0; i < N; i++) vec_u8b[i] = (u8)~vec_u8a[i];
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)((0u - (u32)vec_i32b[i]) & 0x7fffffff);
    return sum_i32(vec_i32c) + sum_i32(vec_i32a) + sum_u8(vec_u8b, N) + sum_i32(vec_i32b);
}

u64 vec_accumulate(u64 x, u64 y) {
    fill_i32(vec_i32a, x);
    fill_i32(vec_i32b, y);
    fill_i16(vec_i16a, x);
    for (u32 i = 0; i < N; i++) vec_i32c[i] = (i32)((u32)vec_i32c[i] + (u32)vec_i32a[i] * (u32)vec_i32b[i]);
    for (u32 i = 0; i < N; i++) vec_i32b[i] = (i32)((u32)vec_i32b[i] - (u32)vec_i32a[i] * 9u);
    for (u32 i = 0; i < N; i++) vec_i32a[i] = (i32)((u32)vec_i32a[i] + ((u32)vec_i16a[i] >> 3));
    return sum_i32(vec_i32c) + sum_i32(vec_i32b) + sum_i32(vec_i32a);
}

u64 vec_count_matches(u64 x, u64 c) {
    fill_u8(vec_u8a, x);
    u64 n = 0;
    for (u32 i = 0; i < N; i++) n += vec_u8a[i] == (u8)c;
    for (u32 i = 0; i < N; i++) n += vec_u8a[i] < 32;
    return n;
}
