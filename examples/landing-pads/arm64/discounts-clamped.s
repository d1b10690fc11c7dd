// Edited source: discounts.s with discounted() clamping the percentage first, as clamp-percent.s does.
// Discounts, ARM64, built as for BTI: every function that may be called through a pointer starts
// with bti c (hint #34: Keystone does not know the name).
// For each row of the price list, prints "price -> discounted price", calling discounted() through
// a function pointer.
.module discounts
.arch arm64
.base 0x400000
.entry main

.data
// Rows of (price in cents, percent off).
rows:
    .quad 2000, 10
    .quad 999, 50
    .quad 1250, 150                 // a bad row: more than the whole price off
    .quad 4000, 25
    .quad 100, 200                  // another bad row
    .quad 5000, 0
line:
    .zero 64

.text
.func main
    stp x29, x30, [sp, #-48]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    str x21, [sp, #32]
    mov x19, #0                     // row index
next_row:
    adrp x0, rows
    add x0, x0, :lo12:rows
    add x0, x0, x19, lsl #4
    ldr x20, [x0]                   // price
    ldr x1, [x0, #8]                // percent
    mov x0, x20
    adr x9, discounted
    blr x9                          // through a pointer: must land on bti c
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
    cmp x19, #6
    b.lo next_row
    ldr x21, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    mov x0, #0                      // exit(0)
    mov x8, #93
    svc #0
.endfunc

// discounted(x0 = price, x1 = percent off) -> x0 = price - price * percent / 100
.func discounted
    hint #34                        // bti c: the landing pad
    cmp x1, #100
    b.ls percent_ok
    mov x1, #100                    // at most the whole price off
percent_ok:
    mul x2, x0, x1
    mov x3, #100
    udiv x2, x2, x3
    sub x0, x0, x2                  // below zero when percent > 100
    ret
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
