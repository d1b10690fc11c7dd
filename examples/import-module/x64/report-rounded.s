; Edited source: report.s with average() calling stats!divide_rounded, as round-average.s does.
; Report, x86-64: for each order, prints "total -> average item value".
.module report
.arch x64
.base 0x400000
.entry main

.data
; Orders: (total in cents, number of items).
orders:
    .quad 12599, 7
    .quad 1000, 3
    .quad 5000, 4
    .quad 1999, 2
    .quad 10000, 6
    .quad 2000, 3
    .quad 899, 9
    .quad 4321, 8
line:
    .zero 64

.text
.func main
    push rbx
    push r12
    push r13
    xor ebx, ebx                    ; order index
next_order:
    lea rax, [rip + orders]
    mov r12, qword ptr [rax + rbx*8]        ; total
    mov rsi, qword ptr [rax + rbx*8 + 8]    ; items
    mov rdi, r12
    call average
    mov r13, rax
    lea rdi, [rip + line]
    mov rsi, r12
    call format_cents
    mov dword ptr [rax], 0x203e2d20 ; " -> "
    lea rdi, [rax + 4]
    mov rsi, r13
    call format_cents
    mov byte ptr [rax], 10
    lea rsi, [rip + line]
    lea rdx, [rax + 1]
    sub rdx, rsi
    mov edi, 1                      ; write(1, line, length)
    mov eax, 1
    syscall
    add ebx, 2
    cmp ebx, 16
    jb next_order
    pop r13
    pop r12
    pop rbx
    xor edi, edi                    ; exit(0)
    mov eax, 60
    syscall
.endfunc

; average(rdi = total, rsi = items) -> rax = total / items; truncates instead of rounding
.func average
    jmp divide_rounded              ; the stats module's rounding division: same arguments, same result register
.endfunc

; format_cents(rdi = buffer, rsi = cents) -> rax = end of "units.cc"
.func format_cents
    mov rax, rsi
    xor edx, edx
    mov ecx, 100
    div rcx                         ; rax = units, rdx = cents
    mov r8, rdx
    lea r10, [rsp - 8]              ; digits go backwards into the red zone
    mov r9, r10
    mov ecx, 10
units_digit:
    xor edx, edx
    div rcx
    add edx, 48
    dec r9
    mov byte ptr [r9], dl
    test rax, rax
    jnz units_digit
copy_units:
    mov al, byte ptr [r9]
    mov byte ptr [rdi], al
    inc rdi
    inc r9
    cmp r9, r10
    jb copy_units
    mov byte ptr [rdi], 46          ; '.'
    mov eax, r8d
    mov cl, 10
    div cl                          ; al = tens, ah = ones
    add ax, 0x3030
    mov word ptr [rdi + 1], ax
    lea rax, [rdi + 3]
    ret
.endfunc
