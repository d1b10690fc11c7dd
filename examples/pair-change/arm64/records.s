// Records, ARM64. Two threads pass values through a record format: transfer() encodes a value,
// keeps the record a while (it is in flight), decodes it and says whether the value came back.
// A third thread, serve(), idles until main tells it to stop. A patch that changes the format must
// change encode() and decode() together: a record encoded by one version and decoded by the other
// comes back wrong, and the worker prints MIXED.
.module records
.arch arm64
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
    stp x29, x30, [sp, #-48]!
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    adr x0, worker                  // thread_create(worker, 1, host stack)
    mov x1, #1
    mov x2, #0
    mov x8, #1000
    svc #0
    mov x19, x0
    adr x0, worker                  // thread_create(worker, 2, host stack)
    mov x1, #2
    mov x2, #0
    mov x8, #1000
    svc #0
    mov x20, x0
    adr x0, serve                   // thread_create(serve, 0, host stack)
    mov x1, #0
    mov x2, #0
    mov x8, #1000
    svc #0
    mov x22, x0
    mov x0, x19                     // thread_join(first worker): its wrong records
    mov x8, #1001
    svc #0
    mov x21, x0
    mov x0, x20
    mov x8, #1001
    svc #0
    add x21, x21, x0
    adrp x1, stop                   // tell serve to stop, and wait for it
    add x1, x1, :lo12:stop
    mov x2, #1
    str x2, [x1]
    mov x0, x22
    mov x8, #1001
    svc #0
    adrp x1, ok_line
    add x1, x1, :lo12:ok_line
    mov x2, #38
    cbz x21, summary
    adrp x1, bad_line
    add x1, x1, :lo12:bad_line
    mov x2, #29
summary:
    mov x0, #1
    mov x8, #64
    svc #0
    mov x0, x21                     // exit code: how many records came back wrong
    ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
.endfunc

// worker(x0 = seed) -> x0 = records that came back wrong, out of 24
.func worker
    stp x29, x30, [sp, #-48]!
    stp x19, x20, [sp, #16]
    str x21, [sp, #32]
    mov x21, x0
    mov x19, #0
    mov x20, #0
next_record:
    mov x9, #1000
    mul x0, x21, x9
    add x0, x0, x19
    bl transfer
    cbz x0, record_ok
    add x20, x20, #1
    adrp x1, mixed_line
    add x1, x1, :lo12:mixed_line
    mov x2, #63
    mov x0, #1
    mov x8, #64
    svc #0
record_ok:
    add x19, x19, #1
    cmp x19, #24
    b.lo next_record
    mov x0, x20
    ldr x21, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
.endfunc

// transfer(x0 = value) -> x0 = 0 if the record decodes to the value, 1 if not
.func transfer
    stp x29, x30, [sp, #-32]!
    stp x19, x20, [sp, #16]
    mov x19, x0
    bl encode
    mov x20, x0
    mov x9, #60                     // the record is in flight
in_flight:
    subs x9, x9, #1
    b.ne in_flight
    mov x0, x20
    bl decode
    cmp x0, x19
    cset x0, ne
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #32
    ret
.endfunc

// Format 1: a record is the value xor 0x5a5a.
.func encode
    mov x9, #0x5a5a
    eor x0, x0, x9
    ret
.endfunc

.func decode
    mov x9, #0x5a5a
    eor x0, x0, x9
    ret
.endfunc

// serve(): idles until main sets stop.
.func serve
    adrp x10, stop
    add x10, x10, :lo12:stop
idle:
    mov x8, #124                    // sched_yield
    svc #0
    ldr x9, [x10]
    cbz x9, idle
    mov x0, #0
    ret
.endfunc
