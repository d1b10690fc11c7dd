// Small threaded guest programs the thread tests share, one body per architecture.
import type { Arch } from '../../core/arch.ts';

/**
 * main starts two workers (arguments 'a' and 'b'), each writing its letter `count` times with
 * `work` loop iterations between writes, then joins both and exits with the sum of their results
 * (each returns its letter). With `yieldEach`, a worker yields after each write.
 */
export function letters(arch: Arch, options: { count?: number; work?: number; yieldEach?: boolean } = {}): string {
  const count = options.count ?? 6;
  const work = options.work ?? 20;
  if (arch === 'x64') {
    return `.module letters
.arch x64
.entry main
.text
.func main
    push rbx
    push r12
    push r13
    lea rdi, [rip + worker]
    mov esi, 97
    xor edx, edx
    mov eax, 1000
    syscall
    mov rbx, rax
    lea rdi, [rip + worker]
    mov esi, 98
    xor edx, edx
    mov eax, 1000
    syscall
    mov r12, rax
    mov rdi, rbx
    mov eax, 1001
    syscall
    mov r13, rax
    mov rdi, r12
    mov eax, 1001
    syscall
    add rax, r13
    pop r13
    pop r12
    pop rbx
    ret
.endfunc

.func worker
    push rbx
    push r12
    mov r12, rdi                    ; the letter
    mov ebx, ${count}
again:
    mov ecx, ${work}
spin:
    dec ecx
    jnz spin
    sub rsp, 16                     ; each thread writes from its own stack
    mov byte ptr [rsp], r12b
    mov rsi, rsp
    mov edi, 1
    mov edx, 1
    mov eax, 1
    syscall
    add rsp, 16
${options.yieldEach ? '    mov eax, 24\n    syscall\n' : ''}    dec ebx
    jnz again
    mov rax, r12
    pop r12
    pop rbx
    ret
.endfunc
`;
  }
  return `.module letters
.arch arm64
.entry main
.text
.func main
    stp x29, x30, [sp, #-48]!
    stp x19, x20, [sp, #16]
    str x21, [sp, #32]
    adr x0, worker
    mov x1, #97
    mov x2, #0
    mov x8, #1000
    svc #0
    mov x19, x0
    adr x0, worker
    mov x1, #98
    mov x2, #0
    mov x8, #1000
    svc #0
    mov x20, x0
    mov x0, x19
    mov x8, #1001
    svc #0
    mov x21, x0
    mov x0, x20
    mov x8, #1001
    svc #0
    add x0, x0, x21
    ldr x21, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
.endfunc

.func worker
    stp x29, x30, [sp, #-48]!
    stp x19, x20, [sp, #16]
    mov x20, x0                     // the letter
    mov x19, #${count}
again:
    mov x9, #${work}
spin:
    subs x9, x9, #1
    b.ne spin
    add x1, sp, #32                 // each thread writes from its own stack
    strb w20, [x1]
    mov x0, #1
    mov x2, #1
    mov x8, #64
    svc #0
${options.yieldEach ? '    mov x8, #124\n    svc #0\n' : ''}    subs x19, x19, #1
    b.ne again
    mov x0, x20
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
.endfunc
`;
}
