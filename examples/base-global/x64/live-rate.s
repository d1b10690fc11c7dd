; Fix for price_with_tax: use the program's live VAT rate, not a hard-coded 20%.
.patch pricing
.sequence 1
.redirect price_with_tax -> price_with_live_rate
.baseref vat = vat_percent          ; slot "vat" = address of the program's vat_percent

.text
.func price_with_live_rate
    mov rax, qword ptr [rip + vat]  ; where the rate lives
    mov eax, dword ptr [rax]        ; the rate now
    add eax, 100
    imul eax, edi                   ; net * (100 + rate)
    add eax, 50
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc
