// Patch 2 for price_with_tax: the same rounding fix, computed with one multiply-add.
.patch pricing
.sequence 2
.redirect price_with_tax -> price_with_tax_madd

.text
.func price_with_tax_madd
    mov w1, #120
    mov w2, #50
    madd w0, w0, w1, w2             // net * 120 + 50: round to the nearest cent
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
