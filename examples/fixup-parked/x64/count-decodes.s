; A hook on decode(): it counts the records decoded, and the original does the decoding, through its
; trampoline, whose first instructions are copies of the ones the entry jump overwrites.
.patch records
.sequence 1
.redirect decode -> decode_counted hook original_decode

.data
decoded:
    .quad 0

.text
.func decode_counted
    lea rax, [rip + decoded]
    inc qword ptr [rax]
    sub rsp, 8                      ; keep the stack 16-byte aligned across the call
    call qword ptr [rip + original_decode]
    add rsp, 8
    ret
.endfunc
