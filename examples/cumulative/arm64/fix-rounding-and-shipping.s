// Cumulative patch: the rounding fix of patch 1, and free shipping from exactly 50.00.
.patch checkout
.sequence 2
.redirect price_with_tax -> price_with_tax_fixed
.redirect shipping -> shipping_fixed

.text
.func price_with_tax_fixed
    mov w1, #120
    mul w0, w0, w1
    add w0, w0, #50                 // half of the divisor: round to the nearest cent
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc

.func shipping_fixed
    mov w1, #5000
    cmp w0, w1
    b.hs free_shipping              // 50.00 and up ship free
    mov w0, #499
    ret
free_shipping:
    mov w0, #0
    ret
.endfunc
