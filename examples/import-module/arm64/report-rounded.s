// Edited source: report.s with average() calling stats!divide_rounded, as round-average.s does.
// Report, ARM64: for each order, prints "total -> average item value".
.module report
.arch arm64
.base 0x400000
.entry main

.data
// Orders: (total in cents, number of items).
orders:
    .quad 12599, 7
    .quad 1000, 3
    .quad 5000, 4
    .quad 1999, 2
    .quad 10000, 6
    .quad 2000, 3
    .quad 899, 9
    .quad 4321, 8
line:
    .zero 64

.text
.func main
    stp x29, x30, [sp, #-48]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    str x21, [sp, #32]
    mov x19, #0                     // order index
next_order:
    adrp x0, orders
    add x0, x0, :lo12:orders
    add x0, x0, x19, lsl #4
    ldr x20, [x0]                   // total
    ldr x1, [x0, #8]                // items
    mov x0, x20
    bl average
    mov x21, x0
    adrp x0, line
    add x0, x0, :lo12:line
    mov x1, x20
    bl format_cents
    mov w1, #0x2d20                 // " -> "
    movk w1, #0x203e, lsl #16
    str w1, [x0], #4
    mov x1, x21
    bl format_cents
    mov w1, #10
    strb w1, [x0], #1
    adrp x1, line
    add x1, x1, :lo12:line
    sub x2, x0, x1
    mov x0, #1                      // write(1, line, length)
    mov x8, #64
    svc #0
    add x19, x19, #1
    cmp x19, #8
    b.lo next_order
    ldr x21, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    mov x0, #0                      // exit(0)
    mov x8, #93
    svc #0
.endfunc

// average(x0 = total, x1 = items) -> x0 = total / items; truncates instead of rounding
.func average
    b divide_rounded                // the stats module's rounding division: same arguments, same result register
.endfunc

// format_cents(x0 = buffer, x1 = cents) -> x0 = end of "units.cc"
.func format_cents
    sub sp, sp, #32
    mov x9, #100
    udiv x2, x1, x9                 // units
    msub x3, x2, x9, x1             // cents
    add x4, sp, #32                 // digits go backwards from the top of the frame
    mov x5, x4
    mov x9, #10
units_digit:
    udiv x6, x2, x9
    msub x7, x6, x9, x2
    add w7, w7, #48
    strb w7, [x5, #-1]!
    mov x2, x6
    cbnz x2, units_digit
copy_units:
    ldrb w7, [x5], #1
    strb w7, [x0], #1
    cmp x5, x4
    b.lo copy_units
    mov w7, #46                     // '.'
    strb w7, [x0], #1
    udiv x6, x3, x9
    msub x7, x6, x9, x3
    add w6, w6, #48
    add w7, w7, #48
    strb w6, [x0], #1
    strb w7, [x0], #1
    add sp, sp, #32
    ret
.endfunc
