/*
 * PVH entry: QEMU (-M microvm -kernel), Firecracker and Cloud Hypervisor jump here in 32-bit
 * protected mode, paging off, with ebx = physical address of struct hvm_start_info and no stack.
 * We build the boot page tables, enter long mode and call osprey_hal_start in the high half.
 *
 * The kernel is linked at KERNEL_VMA + physical address, so until paging is on every absolute
 * reference subtracts KERNEL_VMA. (No curly braces anywhere in this file: global_asm! would read
 * them as format placeholders.)
 */
.set KERNEL_VMA, 0xffffffff80000000

/* XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen"). QEMU 7.2 reads the value as 8 bytes for a
   64-bit ELF, hence .quad. */
.section .note.Xen, "a", @note
.p2align 2
.long 4
.long 8
.long 18
.asciz "Xen"
.p2align 2
.quad pvh_entry32 - KERNEL_VMA
.p2align 2

.section .text.boot, "ax"
.code32
.global pvh_entry32
pvh_entry32:
    cli
    cld
    /* First thing: the TSC at entry, for --bootchart. */
    rdtsc
    mov %eax, (osprey_boot_tsc - KERNEL_VMA)
    mov %edx, (osprey_boot_tsc - KERNEL_VMA + 4)
    mov %ebx, %esi                                  /* start_info; kept in esi throughout */
    mov $(osprey_boot_stack_top - KERNEL_VMA), %esp

    /* Boot page tables (all in .bss, which the loader zero-fills up to p_memsz):
       four page directories map physical 0..4 GiB with 2 MiB pages; they are shared by
       the identity map (PML4[0], needed only to survive turning paging on), the direct map
       (PML4[256], 0xffff800000000000) and the kernel image map (PML4[511], PDPT[510]). */
    mov $(boot_pd - KERNEL_VMA), %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                                  /* present | writable | 2 MiB page */
    mov %eax, (%edi, %ecx, 8)
    movl $0, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* PDPT entries for the low and the direct map: 4 x 1 GiB, one PD each. */
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    add $(boot_pd - KERNEL_VMA + 0x3), %eax
    mov %eax, (boot_pdpt_low - KERNEL_VMA)(, %ecx, 8)
    mov %eax, (boot_pdpt_direct - KERNEL_VMA)(, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 2b
    /* The kernel image: -2 GiB maps physical 0..1 GiB. */
    mov $(boot_pd - KERNEL_VMA + 0x3), %eax
    mov %eax, (boot_pdpt_kernel - KERNEL_VMA + 510 * 8)

    mov $(boot_pdpt_low - KERNEL_VMA + 0x3), %eax
    mov %eax, (osprey_boot_pml4 - KERNEL_VMA)
    mov $(boot_pdpt_direct - KERNEL_VMA + 0x3), %eax
    mov %eax, (osprey_boot_pml4 - KERNEL_VMA + 256 * 8)
    mov $(boot_pdpt_kernel - KERNEL_VMA + 0x3), %eax
    mov %eax, (osprey_boot_pml4 - KERNEL_VMA + 511 * 8)

    mov $(osprey_boot_pml4 - KERNEL_VMA), %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $(1 << 5), %eax                              /* PAE */
    mov %eax, %cr4
    mov $0xC0000080, %ecx                           /* IA32_EFER */
    rdmsr
    or $((1 << 0) | (1 << 8) | (1 << 11)), %eax     /* SCE | LME | NXE */
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | (1 << 0)), %eax    /* PG | WP | PE */
    mov %eax, %cr0
    lgdt (boot_gdtr - KERNEL_VMA)
    ljmp $0x08, $(boot_entry64 - KERNEL_VMA)

.code64
boot_entry64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $boot_high, %rax
    jmp *%rax
boot_high:
    movabs $osprey_boot_stack_top, %rsp
    xor %ebp, %ebp
    mov %esi, %edi                                  /* arg 0: start_info physical address */
    call osprey_hal_start
3:  hlt
    jmp 3b

.section .rodata.boot, "a"
.p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff                        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff                        /* 0x10: data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt - KERNEL_VMA

.section .bss.boot, "aw", @nobits
.p2align 12
.global osprey_boot_pml4
osprey_boot_pml4:    .skip 4096
/* boot_pdpt_low outlives the boot: the AP trampoline's identity map (cpu/smp.rs). */
.global boot_pdpt_low
boot_pdpt_low:       .skip 4096
boot_pdpt_direct:    .skip 4096
boot_pdpt_kernel:    .skip 4096
boot_pd:             .skip 4096 * 4
.global osprey_boot_stack_bottom
osprey_boot_stack_bottom:
    .skip 64 * 1024
.global osprey_boot_stack_top
osprey_boot_stack_top:
.p2align 3
.global osprey_boot_tsc
osprey_boot_tsc:     .skip 8
