/* The compiler-output corpus: freestanding C, no libc. Every exported function takes and returns
   64-bit integers, is defined for every argument value, and terminates quickly, so that tests can
   call it with random arguments. Globals give the functions memory side effects to compare. */
typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;

#define NOINLINE __attribute__((noinline))

extern u8 scratch[256];
extern u64 counter;
extern u64 history[16];

void *memcpy(void *dst, const void *src, u64 n);
void *memset(void *dst, int c, u64 n);
u64 helper(u64 x);
