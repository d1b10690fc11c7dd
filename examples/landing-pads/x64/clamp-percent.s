; Hook for discounted(): no discount above 100%. The original does the arithmetic, reached through
; the trampoline, which starts with the landing pad as the original does.
.patch discounts
.sequence 1
.redirect discounted -> discounted_clamped hook original_discounted

.text
.func discounted_clamped
    cmp rsi, 100
    jbe percent_ok
    mov esi, 100                    ; at most the whole price off
percent_ok:
    sub rsp, 8                      ; keep the stack 16-byte aligned across the call
    call qword ptr [rip + original_discounted]
    add rsp, 8
    ret
.endfunc
