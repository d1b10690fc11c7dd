// Stats, ARM64: a library module loaded before the report.
.module stats
.arch arm64
.base 0x500000
.export divide_rounded

// divide_rounded(x0 = n, x1 = d) -> x0 = n / d rounded to the nearest whole number
.func divide_rounded
    add x0, x0, x1, lsr #1
    udiv x0, x0, x1
    ret
.endfunc
