; Edited source: discounts.s with discounted() clamping the percentage first, as clamp-percent.s does.
; Discounts, x86-64, built as for CET's indirect branch tracking: every function that may be called
; through a pointer starts with endbr64 (F3 0F 1E FA, written as bytes: Keystone does not know it).
; For each row of the price list, prints "price -> discounted price", calling discounted() through
; a function pointer.
.module discounts
.arch x64
.base 0x400000
.entry main

.data
; Rows of (price in cents, percent off).
rows:
    .quad 2000, 10
    .quad 999, 50
    .quad 1250, 150                 ; a bad row: more than the whole price off
    .quad 4000, 25
    .quad 100, 200                  ; another bad row
    .quad 5000, 0
line:
    .zero 64

.text
.func main
    push rbx
    push r12
    push r13
    xor ebx, ebx                    ; row index
next_row:
    lea rax, [rip + rows]
    mov r12, qword ptr [rax + rbx*8]        ; price
    mov rsi, qword ptr [rax + rbx*8 + 8]    ; percent
    mov rdi, r12
    lea rax, [rip + discounted]
    call rax                        ; through a pointer: must land on endbr64
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
    cmp ebx, 12
    jb next_row
    pop r13
    pop r12
    pop rbx
    xor edi, edi                    ; exit(0)
    mov eax, 60
    syscall
.endfunc

; discounted(rdi = price, rsi = percent off) -> rax = price - price * percent / 100
.func discounted
    .byte 0xf3, 0x0f, 0x1e, 0xfa    ; endbr64: the landing pad
    cmp rsi, 100
    jbe percent_ok
    mov esi, 100                    ; at most the whole price off
percent_ok:
    mov rax, rdi
    imul rax, rsi
    xor edx, edx
    mov ecx, 100
    div rcx
    mov rcx, rdi
    sub rcx, rax                    ; below zero when percent > 100
    mov rax, rcx
    ret
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
