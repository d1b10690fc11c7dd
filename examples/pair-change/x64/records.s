; Records, x86-64. Two threads pass values through a record format: transfer() encodes a value,
; keeps the record a while (it is in flight), decodes it and says whether the value came back.
; A third thread, serve(), idles until main tells it to stop. A patch that changes the format must
; change encode() and decode() together: a record encoded by one version and decoded by the other
; comes back wrong, and the worker prints MIXED.
.module records
.arch x64
.base 0x400000
.entry main

.data
stop:
    .quad 0
mixed_line:
    .ascii "MIXED: a record encoded in one format was decoded in the other\n"
ok_line:
    .ascii "every record came back as it was sent\n"
bad_line:
    .ascii "some records came back wrong\n"

.text
.func main
    push rbx
    push r12
    push r13
    push r14
    sub rsp, 8
    lea rdi, [rip + worker]         ; thread_create(worker, 1, host stack)
    mov esi, 1
    xor edx, edx
    mov eax, 1000
    syscall
    mov rbx, rax
    lea rdi, [rip + worker]         ; thread_create(worker, 2, host stack)
    mov esi, 2
    xor edx, edx
    mov eax, 1000
    syscall
    mov r12, rax
    lea rdi, [rip + serve]          ; thread_create(serve, 0, host stack)
    xor esi, esi
    xor edx, edx
    mov eax, 1000
    syscall
    mov r14, rax
    mov rdi, rbx                    ; thread_join(first worker): its wrong records
    mov eax, 1001
    syscall
    mov r13, rax
    mov rdi, r12
    mov eax, 1001
    syscall
    add r13, rax
    lea rax, [rip + stop]           ; tell serve to stop, and wait for it
    mov qword ptr [rax], 1
    mov rdi, r14
    mov eax, 1001
    syscall
    lea rsi, [rip + ok_line]
    mov edx, 38
    test r13, r13
    jz summary
    lea rsi, [rip + bad_line]
    mov edx, 29
summary:
    mov edi, 1
    mov eax, 1
    syscall
    mov rax, r13                    ; exit code: how many records came back wrong
    add rsp, 8
    pop r14
    pop r13
    pop r12
    pop rbx
    ret
.endfunc

; worker(rdi = seed) -> rax = records that came back wrong, out of 24
.func worker
    push rbx
    push r12
    push r13
    mov r13, rdi
    xor ebx, ebx
    xor r12d, r12d
next_record:
    imul rdi, r13, 1000
    add rdi, rbx
    call transfer
    test rax, rax
    jz record_ok
    inc r12
    lea rsi, [rip + mixed_line]
    mov edx, 63
    mov edi, 1
    mov eax, 1
    syscall
record_ok:
    inc ebx
    cmp ebx, 24
    jb next_record
    mov rax, r12
    pop r13
    pop r12
    pop rbx
    ret
.endfunc

; transfer(rdi = value) -> rax = 0 if the record decodes to the value, 1 if not
.func transfer
    push rbx
    push r12
    sub rsp, 8
    mov rbx, rdi
    call encode
    mov r12, rax
    mov ecx, 60                     ; the record is in flight
in_flight:
    dec ecx
    jnz in_flight
    mov rdi, r12
    call decode
    cmp rax, rbx
    setne al
    movzx eax, al
    add rsp, 8
    pop r12
    pop rbx
    ret
.endfunc

; Format 1: a record is the value xor 0x5a5a.
.func encode
    mov rax, rdi
    xor rax, 0x5a5a
    ret
.endfunc

.func decode
    mov rax, rdi
    xor rax, 0x5a5a
    ret
.endfunc

; serve(): idles until main sets stop.
.func serve
    lea rcx, [rip + stop]
idle:
    mov eax, 24                     ; sched_yield
    syscall
    cmp qword ptr [rcx], 0
    je idle
    xor eax, eax
    ret
.endfunc
