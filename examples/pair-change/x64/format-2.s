; Format 2 of the records: a record is 3 * value + 7. encode() and decode() change together, and
; transfer(), which holds a record between them, is part of the patch: under the per-thread model a
; thread inside transfer() is not switched until it has returned, so it never mixes the formats.
.patch records
.sequence 1
.redirect encode -> encode2
.redirect decode -> decode2
.redirect transfer -> transfer2

.text
.func encode2
    lea rax, [rdi + rdi*2]
    add rax, 7
    ret
.endfunc

.func decode2
    lea rax, [rdi - 7]
    xor edx, edx
    mov ecx, 3
    div rcx
    ret
.endfunc

.func transfer2
    push rbx
    push r12
    sub rsp, 8
    mov rbx, rdi
    call encode2
    mov r12, rax
    mov ecx, 60
in_flight:
    dec ecx
    jnz in_flight
    mov rdi, r12
    call decode2
    cmp rax, rbx
    setne al
    movzx eax, al
    add rsp, 8
    pop r12
    pop rbx
    ret
.endfunc
