// Format 2 of the records, as in pair-change, and a new serve(). The thread that idles in serve()
// stays in it until the workers are done: serve() is on its stack the whole time, so under the
// per-thread model that thread cannot switch, and the transition stalls.
.patch records
.sequence 1
.redirect encode -> encode2
.redirect decode -> decode2
.redirect transfer -> transfer2
.redirect serve -> serve2
.baseref stop_flag = stop           // slot "stop_flag" = address of the program's stop

.text
.func encode2
    add x0, x0, x0, lsl #1
    add x0, x0, #7
    ret
.endfunc

.func decode2
    sub x0, x0, #7
    mov x9, #3
    udiv x0, x0, x9
    ret
.endfunc

.func transfer2
    stp x29, x30, [sp, #-32]!
    stp x19, x20, [sp, #16]
    mov x19, x0
    bl encode2
    mov x20, x0
    mov x9, #60
in_flight:
    subs x9, x9, #1
    b.ne in_flight
    mov x0, x20
    bl decode2
    cmp x0, x19
    cset x0, ne
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #32
    ret
.endfunc

.func serve2
    adrp x10, stop_flag
    ldr x10, [x10, :lo12:stop_flag]
idle:
    mov x8, #124                    // sched_yield
    svc #0
    ldr x9, [x10]
    cbz x9, idle
    mov x0, #0
    ret
.endfunc
