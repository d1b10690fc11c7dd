; Cumulative patch: the rounding fix of patch 1, and free shipping from exactly 50.00.
.patch checkout
.sequence 2
.redirect price_with_tax -> price_with_tax_fixed
.redirect shipping -> shipping_fixed

.text
.func price_with_tax_fixed
    imul eax, edi, 120
    add eax, 50                     ; half of the divisor: round to the nearest cent
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc

.func shipping_fixed
    xor eax, eax
    cmp edi, 5000
    jae free_shipping               ; 50.00 and up ship free
    mov eax, 499
free_shipping:
    ret
.endfunc
