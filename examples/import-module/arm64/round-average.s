// Fix for average(): round to the nearest cent, with the stats module's divide_rounded().
.patch report
.sequence 1
.redirect average -> average_rounded
.import divide_rounded = stats!divide_rounded

.text
.func average_rounded
    adrp x16, divide_rounded
    ldr x16, [x16, :lo12:divide_rounded]
    br x16                          // same arguments, same result register
.endfunc
