// Fix for price_with_tax: use the program's live VAT rate, not a hard-coded 20%.
.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_live_rate
.baseref vat = vat_percent          // slot "vat" = address of the program's vat_percent

.text
.func price_with_live_rate
    adrp x1, vat
    ldr x1, [x1, :lo12:vat]         // where the rate lives
    ldr w1, [x1]                    // the rate now
    add w1, w1, #100
    mul w0, w0, w1                  // net * (100 + rate)
    add w0, w0, #50
    mov w1, #100
    udiv w0, w0, w1
    ret
.endfunc
