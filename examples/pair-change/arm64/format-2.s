// Format 2 of the records: a record is 3 * value + 7. encode() and decode() change together, and
// transfer(), which holds a record between them, is part of the patch: under the per-thread model a
// thread inside transfer() is not switched until it has returned, so it never mixes the formats.
.patch records
.sequence 1
.redirect encode -> encode2
.redirect decode -> decode2
.redirect transfer -> transfer2

.text
.func encode2
    add x0, x0, x0, lsl #1
    add x0, x0, #7
    ret
.endfunc

.func decode2
    sub x0, x0, #7
    mov x9, #3
    udiv x0, x0, x9
    ret
.endfunc

.func transfer2
    stp x29, x30, [sp, #-32]!
    stp x19, x20, [sp, #16]
    mov x19, x0
    bl encode2
    mov x20, x0
    mov x9, #60
in_flight:
    subs x9, x9, #1
    b.ne in_flight
    mov x0, x20
    bl decode2
    cmp x0, x19
    cset x0, ne
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #32
    ret
.endfunc
