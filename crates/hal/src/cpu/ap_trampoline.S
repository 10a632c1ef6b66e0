/*
 * The application-processor trampoline. An AP leaves reset (INIT, then STARTUP IPI with vector
 * 0x08) in real mode at 0x0800:0000, that is physical 0x8000. The bytes between
 * osprey_ap_trampoline_start and osprey_ap_trampoline_end are copied there by cpu/smp.rs,
 * which also fills the data block at AP_DATA. Every absolute address below is therefore
 * written as AP_TRAMPOLINE + (label - osprey_ap_trampoline_start), or AP_DATA + offset.
 * (No curly braces in this file: global_asm! would read them as format placeholders.)
 *
 * 16-bit: load a small GDT, set CR0.PE, far jump to 32-bit code.
 * 32-bit: PAE, CR3 = the trampoline PML4 (identity map of low memory plus the kernel's direct
 *         and image maps), EFER.LME/NXE/SCE, paging on, far jump to 64-bit code.
 * 64-bit: take a ticket (lock xadd), load the boot stack of that ticket, jump to
 *         osprey_hal_ap_start(ticket) in the high half, which switches to the kernel's own CR3.
 */
.set AP_TRAMPOLINE, 0x8000
/* The data block (struct TrampolineData in smp.rs) has a page of its own: the APs write the
   ticket, and a write to a page holding translated code makes TCG throw that code away. */
.set AP_DATA, 0x7000
.set TR_CR3, AP_DATA + 0
.set TR_TICKET, AP_DATA + 8
.set TR_NSTACKS, AP_DATA + 12
.set TR_STACKS, AP_DATA + 16
.set TR_CS32, 0x08
.set TR_DS, 0x10
.set TR_CS64, 0x18

.section .rodata.ap_trampoline, "a"
.p2align 12
.global osprey_ap_trampoline_start
osprey_ap_trampoline_start:
.code16
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl (AP_TRAMPOLINE + tr_gdtr - osprey_ap_trampoline_start)
    mov %cr0, %eax
    or $1, %eax                                     /* PE */
    mov %eax, %cr0
    ljmpl $TR_CS32, $(AP_TRAMPOLINE + tr_32 - osprey_ap_trampoline_start)

.code32
tr_32:
    mov $TR_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $(1 << 5), %eax                              /* PAE */
    mov %eax, %cr4
    mov (TR_CR3), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx                           /* IA32_EFER */
    rdmsr
    or $((1 << 0) | (1 << 8) | (1 << 11)), %eax     /* SCE | LME | NXE */
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | (1 << 0)), %eax    /* PG | WP | PE */
    mov %eax, %cr0
    ljmp $TR_CS64, $(AP_TRAMPOLINE + tr_64 - osprey_ap_trampoline_start)

.code64
tr_64:
    mov $TR_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    mov $1, %eax
    lock xadd %eax, (TR_TICKET)
    mov %eax, %edi                                  /* arg 0: the ticket */
    cmp (TR_NSTACKS), %eax
    jae 2f                                          /* more APs than stacks: park */
    mov TR_STACKS(, %rax, 8), %rsp
    xor %ebp, %ebp
    movabs $osprey_hal_ap_start, %rax
    call *%rax
2:  cli
    hlt
    jmp 2b

.p2align 3
tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff                        /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff                        /* 0x10: data */
    .quad 0x00af9a000000ffff                        /* 0x18: 64-bit code */
tr_gdt_end:
.p2align 3
tr_gdtr:
    .word tr_gdt_end - tr_gdt - 1
    .long AP_TRAMPOLINE + tr_gdt - osprey_ap_trampoline_start

.global osprey_ap_trampoline_end
osprey_ap_trampoline_end:

.text
