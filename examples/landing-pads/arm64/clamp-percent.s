// Hook for discounted(): no discount above 100%. The original does the arithmetic, reached through
// the trampoline, which starts with the landing pad as the original does.
.patch discounts
.sequence 1
.redirect discounted -> discounted_clamped hook original_discounted

.text
.func discounted_clamped
    stp x29, x30, [sp, #-16]!
    cmp x1, #100
    b.ls percent_ok
    mov x1, #100                    // at most the whole price off
percent_ok:
    adrp x16, original_discounted
    ldr x16, [x16, :lo12:original_discounted]
    blr x16
    ldp x29, x30, [sp], #16
    ret
.endfunc
