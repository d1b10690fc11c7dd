; Format 2 of the records, as in pair-change, and a new serve(). The thread that idles in serve()
; stays in it until the workers are done: serve() is on its stack the whole time, so under the
; per-thread model that thread cannot switch, and the transition stalls.
.patch records
.sequence 1
.redirect encode -> encode2
.redirect decode -> decode2
.redirect transfer -> transfer2
.redirect serve -> serve2
.baseref stop_flag = stop           ; slot "stop_flag" = address of the program's stop

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

.func serve2
    mov rcx, qword ptr [rip + stop_flag]
idle:
    mov eax, 24                     ; sched_yield
    syscall
    cmp qword ptr [rcx], 0
    je idle
    xor eax, eax
    ret
.endfunc
