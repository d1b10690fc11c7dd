; Stats, x86-64: a library module loaded before the report.
.module stats
.arch x64
.base 0x500000
.export divide_rounded

; divide_rounded(rdi = n, rsi = d) -> rax = n / d rounded to the nearest whole number
.func divide_rounded
    mov rax, rsi
    shr rax, 1
    add rax, rdi
    xor edx, edx
    div rsi
    ret
.endfunc
