// Fix for price_with_tax: round by adding half the divisor (50), not all of it.
.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_tax_fixed

.text
.func price_with_tax_fixed
    mov w1, #120
    mul w0, w0, w1
    add w0, w0, #50                 // half of the divisor: round to the nearest cent
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
