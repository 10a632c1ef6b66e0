/*
 * Trap and system-call entry. (No curly braces in this file: global_asm! format string.)
 *
 * Both paths build the same frame (struct TrapFrame), lowest address first:
 *   r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rdi rsi rdx rcx rax vector error rip cs rflags rsp ss
 *
 * Per-CPU fields at %gs: 8 = kernel stack top, 16 = kernel stack bottom, 24 = scratch,
 * 32 = frame of the system call in progress.
 */

.macro PUSH_GPRS
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS_BUT_RCX_RAX
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
.endm

.section .text.entry, "ax"

/*
 * syscall from the app (ring 0 -> ring 0): rcx = return rip, r11 = rflags, DF/TF/AC masked by
 * IA32_FMASK, IF left as the app had it (on): an interrupt may arrive anywhere in here, and the
 * trap entry copes (it moves to the kernel stack by itself, below RSP if RSP is already on it).
 * RSP is still the app's, and the app may keep live data in the red zone below it, so nothing
 * is pushed until we are on the kernel stack. The scratch slot gs:24 is live for two
 * instructions: a scheduler (issue 4) must not switch threads while RIP is inside this stub
 * (osprey_syscall_entry .. osprey_syscall_entry_end).
 */
.global osprey_syscall_entry
osprey_syscall_entry:
    mov %rsp, %gs:24
    mov %gs:8, %rsp
    push $0x10                  /* ss */
    push %gs:24                 /* app rsp */
    push %r11                   /* rflags */
    push $0x08                  /* cs */
    push %rcx                   /* rip */
    push $0                     /* error code */
    push $0x100                 /* vector: 0x100 marks a system call */
    PUSH_GPRS
    mov %rsp, %gs:32            /* the frame of the call in progress, for crash reports */
    mov %rsp, %rdi
    /* The kernel's handler (kernel_main! defines it): a bool, true when the whole frame
       must be restored (iret) rather than the jump return, which gives back rcx = rip and
       r11 = rflags. */
    call __osprey_kernel_syscall
    /* al != 0: the kernel changed the frame beyond rax (a signal handler's frame, rt_sigreturn,
       a restarted call): every register must come back, rcx and r11 too, so iret. */
    test %al, %al
    jnz osprey_return_via_iret
    /* fall through */

/*
 * Return to the app with a jump (no sysret, no iret, no popfq): rcx = rip and r11 = the RFLAGS
 * value at entry, as Linux leaves them after a syscall. RFLAGS itself is not reloaded: IF is on
 * (system calls run with interrupts enabled), DF is clear as the ABI requires at a call, and the
 * arithmetic flags are whatever the kernel left (compilers treat them as clobbered by the
 * `syscall` asm anyway). An interrupt between `pop %rsp` and the jump is taken on the kernel
 * stack (the trap entry moves there), never on the app's.
 */
.global osprey_return_via_jump
osprey_return_via_jump:
    POP_GPRS_BUT_RCX_RAX
    add $8, %rsp                /* rcx: becomes rip below */
    pop %rax
    add $16, %rsp               /* vector, error */
    pop %rcx                    /* rip */
    add $16, %rsp               /* cs, rflags */
    pop %rsp
    jmp *%rcx
.global osprey_syscall_entry_end
osprey_syscall_entry_end:

/*
 * Enter the app for the first time (or resume a saved frame): rdi = frame.
 */
.global osprey_resume_frame
osprey_resume_frame:
    mov %rdi, %rsp
    jmp osprey_return_via_jump

/*
 * Exceptions and interrupts. Every vector runs on an IST stack (see gdt.rs); this code leaves
 * it at once: if the interrupted RSP lies on the current kernel stack the frame moves just
 * below that RSP (the kernel has no red zone), otherwise (the app was running) to the top of
 * the kernel stack. From there the stack can nest and, later, switch threads.
 * On the IST at entry: vector, error, rip, cs, rflags, rsp, ss.
 */
osprey_trap_common:
    push %rax
    push %rbx
    mov 56(%rsp), %rax          /* interrupted rsp */
    cmp %gs:16, %rax
    jb 1f
    cmp %gs:8, %rax
    ja 1f
    and $-16, %rax
    jmp 2f
1:  mov %gs:8, %rax
2:  sub $72, %rax               /* rbx rax vector error rip cs rflags rsp ss */
    mov 0(%rsp), %rbx
    mov %rbx, 0(%rax)
    mov 8(%rsp), %rbx
    mov %rbx, 8(%rax)
    mov 16(%rsp), %rbx
    mov %rbx, 16(%rax)
    mov 24(%rsp), %rbx
    mov %rbx, 24(%rax)
    mov 32(%rsp), %rbx
    mov %rbx, 32(%rax)
    mov 40(%rsp), %rbx
    mov %rbx, 40(%rax)
    mov 48(%rsp), %rbx
    mov %rbx, 48(%rax)
    mov 56(%rsp), %rbx
    mov %rbx, 56(%rax)
    mov 64(%rsp), %rbx
    mov %rbx, 64(%rax)
    mov %rax, %rsp
    pop %rbx
    pop %rax
    PUSH_GPRS
    cld
    mov %rsp, %rdi
    call osprey_hal_trap
.global osprey_return_via_iret
osprey_return_via_iret:
    POP_GPRS_BUT_RCX_RAX
    pop %rcx
    pop %rax
    add $16, %rsp
    iretq

/*
 * NMI, double fault and machine check stay on their own IST stacks: they can arrive anywhere,
 * including inside osprey_trap_common, and they only report and stop.
 */
osprey_trap_fatal:
    PUSH_GPRS
    cld
    mov %rsp, %rdi
    call osprey_hal_fatal_trap
    jmp osprey_return_via_iret

/* 256 stubs, 16 bytes apart: push a zero error code where the CPU pushes none, the vector,
   and go to the common path. */
.p2align 4
.global osprey_trap_stubs
osprey_trap_stubs:
.set vec, 0
.rept 256
    .p2align 4
    .if vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30
    .else
    push $0
    .endif
    push $vec
    .if vec == 2 || vec == 8 || vec == 18
    jmp osprey_trap_fatal
    .else
    jmp osprey_trap_common
    .endif
    .set vec, vec + 1
.endr
