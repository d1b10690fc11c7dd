; Edited source: pricing.s with price_with_tax reading the live vat_percent, as live-rate.s does.
; VAT rate, x86-64.
; For each item of the price list, prints "net -> gross"; from the seventh item on, VAT is 5%.
.module pricing
.arch x64
.base 0x400000
.entry main

.data
; Net prices in cents.
prices:
    .long 1000, 1999, 250, 5, 12345, 99, 4200, 1, 777, 100000, 3333, 60
line:
    .zero 64
; VAT in percent; main lowers it during the run.
vat_percent:
    .quad 20

.text
.func main
    push rbx
    push r12
    push r13
    xor ebx, ebx                    ; item index
next_item:
    cmp ebx, 6
    jne same_rate
    mov qword ptr [rip + vat_percent], 5   ; the reduced rate applies from here on
same_rate:
    lea rax, [rip + prices]
    mov r12d, dword ptr [rax + rbx*4]
    mov edi, r12d
    call price_with_tax
    mov r13, rax
    lea rdi, [rip + line]
    mov rsi, r12
    call format_cents               ; "123.45", returns the end of the text
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
    inc ebx
    cmp ebx, 12
    jb next_item
    pop r13
    pop r12
    pop rbx
    xor edi, edi                    ; exit(0)
    mov eax, 60
    syscall
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

; price_with_tax(edi = net cents) -> eax = gross cents with VAT, rounded to the nearest cent.
.func price_with_tax
    mov eax, dword ptr [rip + vat_percent]  ; the rate now, from the running program's own global
    add eax, 100
    imul eax, edi                   ; net * (100 + rate)
    add eax, 50
    xor edx, edx
    mov ecx, 100
    div ecx
    ret
.endfunc
