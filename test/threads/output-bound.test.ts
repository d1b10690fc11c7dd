// Threads that flood their output: what is kept stays within the bound of output-capture.ts (the
// first and the last 64 KiB and a count of the rest), labelled with the thread that wrote it, read
// piece by piece as the command line and the page read it, and the host's memory stays bounded.
import { describe, expect, it } from 'vitest';
import { hex } from '../../core/hex.ts';
import { OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES } from '../../sandbox/output-capture.ts';
import { STACK_SIZE, STACK_TOP } from '../../sandbox/loader.ts';
import { GuestProcess } from '../../sandbox/process.ts';
import { assembleModule } from '../../toolchain/assemble.ts';
import { BACKENDS } from '../helpers.ts';

const MIB = 1 << 20;
const WRITES = 40;
const KEPT = OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES;

/** main starts two workers ('a', 'b'); each writes main's whole stack (1 MiB), then its letter and a newline, WRITES times. */
const SOURCE = `.module floods
.arch x64
.entry main
.text
.func main
    push rbx
    push r12
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
    mov rdi, r12
    mov eax, 1001
    syscall
    xor eax, eax
    pop r12
    pop rbx
    ret
.endfunc

.func worker
    push rbx
    push r12
    mov r12, rdi
    mov ebx, ${WRITES}
again:
    mov eax, 1
    mov edi, 1
    mov rsi, ${hex(STACK_TOP - STACK_SIZE)}
    mov edx, ${MIB}
    syscall
    sub rsp, 16
    mov byte ptr [rsp], r12b
    mov byte ptr [rsp + 1], 10
    mov rsi, rsp
    mov edi, 1
    mov edx, 2
    mov eax, 1
    syscall
    add rsp, 16
    dec ebx
    jnz again
    mov rax, r12
    pop r12
    pop rbx
    ret
.endfunc
`;

describe.each(BACKENDS)('two threads writing 1 MiB at a time, on $name', ({ create }) => {
  it('keep the first and the last 64 KiB, labelled by thread, read in pieces within the bound', async () => {
    const rss = process.memoryUsage().rss;
    const module = await assembleModule(SOURCE, 'x64');
    const guest = new GuestProcess(create('x64'), { modules: [module], slice: 8 });
    const reader = guest.io.labelledReader();
    let largest = 0;
    let read = '';
    while (!guest.finished) {
      guest.run({ maxInstructions: 300 });
      const text = reader.next(guest.scheduler.threaded);
      largest = Math.max(largest, text.length);
      // Only what the bound keeps is ever read: the head, the markers and the ends of the tail.
      if (read.length < 4 * KEPT) read += text;
    }
    read += reader.next(true);
    expect(guest.state).toBe('exited');
    expect(guest.io.exitCode).toBe(0);
    expect(guest.io.bytesWritten).toBe(2 * WRITES * (MIB + 2));
    expect(guest.io.bytesDropped).toBe(2 * WRITES * (MIB + 2) - KEPT);
    expect(largest).toBeLessThanOrEqual(KEPT + 1000);
    expect(read).toMatch(/\[\.\.\. [\d,]+ bytes of output dropped \.\.\.\]\n/);
    // The last lines kept name their threads.
    const last = read.trimEnd().split('\n').slice(-2);
    expect(last.every((l) => /^\[t[12]\] .*[ab]$/s.test(l))).toBe(true);

    const lines = guest.io.threadLines();
    expect(lines.reduce((n, l) => n + l.text.length, 0)).toBeLessThanOrEqual(KEPT + 100);
    expect(lines.filter((l) => l.thread === '').map((l) => l.text))
      .toEqual([`[... ${guest.io.bytesDropped.toLocaleString('en-US')} bytes of output dropped ...]\n`]);
    expect(new Set(lines.map((l) => l.thread))).toEqual(new Set(['t1', 't2', '']));
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MIB);
    guest.close();
  });
});
