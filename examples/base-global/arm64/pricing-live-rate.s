// Edited source: pricing.s with price_with_tax reading the live vat_percent, as live-rate.s does.
// VAT rate, ARM64.
// For each item of the price list, prints "net -> gross"; from the seventh item on, VAT is 5%.
.module pricing
.arch arm64
.base 0x400000
.entry main

.data
// Net prices in cents.
prices:
    .word 1000, 1999, 250, 5, 12345, 99, 4200, 1, 777, 100000, 3333, 60
line:
    .zero 64
// VAT in percent; main lowers it during the run.
vat_percent:
    .quad 20

.text
.func main
    stp x29, x30, [sp, #-48]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    str x21, [sp, #32]
    mov x19, #0                     // item index
next_item:
    cmp x19, #6
    b.ne same_rate
    mov x0, #5                      // the reduced rate applies from here on
    adrp x1, vat_percent
    str x0, [x1, :lo12:vat_percent]
same_rate:
    adrp x0, prices
    add x0, x0, :lo12:prices
    ldr w20, [x0, x19, lsl #2]
    mov w0, w20
    bl price_with_tax
    mov w21, w0
    adrp x0, line
    add x0, x0, :lo12:line
    mov x1, x20
    bl format_cents                 // "123.45", returns the end of the text
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
    cmp x19, #12
    b.lo next_item
    ldr x21, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    mov x0, #0                      // exit(0)
    mov x8, #93
    svc #0
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

// price_with_tax(w0 = net cents) -> w0 = gross cents with VAT, rounded to the nearest cent.
.func price_with_tax
    adrp x1, vat_percent
    ldr w1, [x1, :lo12:vat_percent] // the rate now, from the running program's own global
    add w1, w1, #100
    mul w0, w0, w1                  // net * (100 + rate)
    add w0, w0, #50
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
