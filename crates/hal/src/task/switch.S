/*
 * Kernel context switch. (No curly braces in this file: global_asm! format string.)
 *
 * A thread that is not running is described by one number: its saved stack pointer. Below it
 * on its kernel stack lie the callee-saved registers of the System V ABI and the return
 * address into whoever called the switch; everything else (the app's registers, the syscall or
 * trap frame) is further up the same stack, saved by the entry code. So a switch is a call:
 * the caller-saved registers are already dead by the ABI, the callee-saved ones are pushed.
 */

.section .text, "ax"

/* void osprey_context_switch(u64 *save_rsp_here, u64 next_rsp) */
.global osprey_context_switch
osprey_context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/*
 * The first instructions of a new app thread, reached by the `ret` above. r12 = the address
 * of the TrapFrame at the top of its kernel stack (the registers the thread starts with).
 * The Rust half finishes the switch (hands the previous thread to the scheduler) and turns
 * interrupts on; then the frame is resumed like the return of a system call.
 */
.global osprey_thread_trampoline
osprey_thread_trampoline:
    call osprey_hal_thread_first_run
    mov %r12, %rdi
    jmp osprey_resume_frame
