; Fix for average(): round to the nearest cent, with the stats module's divide_rounded().
.patch report
.sequence 1
.redirect average -> average_rounded
.import divide_rounded = stats!divide_rounded

.text
.func average_rounded
    jmp qword ptr [rip + divide_rounded]    ; same arguments, same result register
.endfunc
