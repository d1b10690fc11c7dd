; Fix for price_with_tax: round by adding half the divisor (50), not all of it.
.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_tax_fixed

.text
.func price_with_tax_fixed
    imul eax, edi, 120
    add eax, 50                     ; half of the divisor: round to the nearest cent
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc
