/* Synchronous signals delivered to handlers, as the JVM and other runtimes use them: a SIGSEGV
 * handler that fixes the protection and returns (the instruction runs again), a handler that
 * moves rip past the faulting instruction and changes a register through the ucontext,
 * SIGFPE/SIGILL/SIGTRAP with their si_code, the alternate signal stack, the vector registers
 * and the signal mask across a handler. Every line is the same on Linux. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "util.h"

static char *volatile page;
static volatile int segv_count;
static volatile int last_code;
static volatile void *last_addr;
static volatile long last_trapno, last_err;

static void on_segv_fix(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    segv_count++;
    last_code = si->si_code;
    last_addr = si->si_addr;
    last_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    last_err = uc->uc_mcontext.gregs[REG_ERR];
    (void)sig;
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void test_prot_none(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv_fix;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile char *p = page + 100;
    *p = 42; /* faults once; the handler opens the page; the store runs again */
    check("store after the handler fixed the protection", page[100] == 42);
    check("one SIGSEGV", segv_count == 1);
    check("si_code SEGV_ACCERR", last_code == SEGV_ACCERR);
    check("si_addr is the faulting address", last_addr == page + 100);
    check("trapno 14 (page fault)", last_trapno == 14);
    check("err: a write from user mode", (last_err & 6) == 6);
    /* A fresh PROT_NONE page at the same place: a read faults the same way. */
    munmap(page, 4096);
    page = mmap(page, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("read after fix", ((volatile char *)page)[5] == 0);
    check("two SIGSEGVs", segv_count == 2);
    check("read fault err has no write bit", (last_err & 2) == 0);
    signal(SIGSEGV, SIG_DFL);
}

/* Loads from address 8 into rax, then falls through; the handler skips the load. */
extern char skip_start[], skip_end[];
__attribute__((noinline)) static long load_and_skip(void)
{
    long out;
    __asm__ volatile("xor %%eax, %%eax\n"
                     ".globl skip_start\nskip_start:\n"
                     "movq 8, %%rax\n"
                     ".globl skip_end\nskip_end:\n"
                     : "=a"(out)
                     :
                     : "memory");
    return out;
}

static volatile int rip_was_start;

static void on_segv_skip(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    (void)si;
    rip_was_start = uc->uc_mcontext.gregs[REG_RIP] == (greg_t)skip_start;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)skip_end;
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
}

static void test_skip(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv_skip;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    long v = load_and_skip();
    check("rip in the ucontext is the faulting instruction", rip_was_start);
    check("the handler's rip and rax took effect", v == 0x1234);
    signal(SIGSEGV, SIG_DFL);
}

static sigjmp_buf jb;
static volatile int fpe_code;
static volatile void *fpe_addr;
static volatile greg_t fpe_rip;

static void on_fpe(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    fpe_code = si->si_code;
    fpe_addr = si->si_addr;
    fpe_rip = uc->uc_mcontext.gregs[REG_RIP];
    siglongjmp(jb, 1);
}

static void test_fpe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    volatile int zero = 0, n = 7;
    if (sigsetjmp(jb, 1) == 0) {
        n = n / zero;
        check("divide by zero returned", 0);
    } else {
        check("SIGFPE with FPE_INTDIV", fpe_code == FPE_INTDIV);
        check("si_addr is the divide's rip", fpe_addr == (void *)fpe_rip);
    }
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check("siglongjmp restored the mask", !sigismember(&cur, SIGFPE));
    /* Twice: the first handler did not return through rt_sigreturn. */
    if (sigsetjmp(jb, 1) == 0) {
        n = n / zero;
        check("second divide returned", 0);
    } else {
        check("second SIGFPE", fpe_code == FPE_INTDIV);
    }
}

static volatile int ill_code, trap_code, trap_ok;

static void on_ill(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    ill_code = si->si_code;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* ud2 */
}

extern char after_int3[];
static void on_trap(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    trap_code = si->si_code;
    trap_ok = uc->uc_mcontext.gregs[REG_RIP] == (greg_t)after_int3;
}

static void test_ill_trap(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    __asm__ volatile("ud2");
    check("SIGILL with ILL_ILLOPN, resumed after ud2", ill_code == ILL_ILLOPN);
    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("int3\n.globl after_int3\nafter_int3:");
    check("SIGTRAP from int3 (SI_KERNEL)", trap_code == SI_KERNEL);
    check("int3's rip is the next instruction", trap_ok);
}

static char *alt;
static volatile int on_alt, saw_onstack, mask_has_sig, mask_has_extra;

static void on_usr1(int sig)
{
    char here;
    stack_t cur;
    sigset_t m;
    (void)sig;
    on_alt = &here >= alt && &here < alt + SIGSTKSZ * 4;
    sigaltstack(NULL, &cur);
    saw_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
    sigprocmask(SIG_BLOCK, NULL, &m);
    mask_has_sig = sigismember(&m, SIGUSR1);
    mask_has_extra = sigismember(&m, SIGUSR2);
}

static void test_altstack(void)
{
    alt = malloc(SIGSTKSZ * 4);
    stack_t ss = {.ss_sp = alt, .ss_size = SIGSTKSZ * 4, .ss_flags = 0};
    check("sigaltstack", sigaltstack(&ss, NULL) == 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    check("the handler ran on the altstack", on_alt);
    check("sigaltstack() in the handler says SS_ONSTACK", saw_onstack);
    check("the signal is blocked in its handler", mask_has_sig);
    check("sa_mask is blocked in the handler", mask_has_extra);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    check("the mask is back after the handler", !sigismember(&m, SIGUSR1) && !sigismember(&m, SIGUSR2));
    stack_t now;
    sigaltstack(NULL, &now);
    check("not on the altstack after the handler", (now.ss_flags & SS_ONSTACK) == 0);
    /* Without SA_ONSTACK the handler runs on the normal stack. */
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    check("without SA_ONSTACK: the normal stack", !on_alt);
}

/* The vector registers survive a handler that uses them. */
static void on_usr2(int sig)
{
    (void)sig;
    __asm__ volatile("pcmpeqd %%xmm8, %%xmm8\n"
                     "pxor %%xmm9, %%xmm9\n" ::: "xmm8", "xmm9");
}

static void test_vector_state(void)
{
    signal(SIGUSR2, on_usr2);
    uint64_t in[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL}, out8[2], out9[2];
    long pid = getpid(), tid = gettid(), r;
    __asm__ volatile("movdqu (%[in]), %%xmm8\n"
                     "movdqu (%[in]), %%xmm9\n"
                     "syscall\n"
                     "movdqu %%xmm8, (%[o8])\n"
                     "movdqu %%xmm9, (%[o9])\n"
                     : "=a"(r)
                     : "a"(234L), "D"(pid), "S"(tid), "d"((long)SIGUSR2), [in] "r"(in),
                       [o8] "r"(out8), [o9] "r"(out9)
                     : "rcx", "r11", "memory", "xmm8", "xmm9");
    check("tgkill from asm", r == 0);
    check("xmm8 restored after the handler", out8[0] == in[0] && out8[1] == in[1]);
    check("xmm9 restored after the handler", out9[0] == in[0] && out9[1] == in[1]);
}

int main(void)
{
    test_prot_none();
    test_skip();
    test_fpe();
    test_ill_trap();
    test_altstack();
    test_vector_state();
    return failures;
}
