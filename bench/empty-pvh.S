# empty-pvh: the floor for boot wall time. A PVH kernel that does nothing but leave QEMU through
# isa-debug-exit (port 0xf4) at its first instruction, so the time QEMU takes to run it is QEMU's
# own start-up and tear-down. 64-bit ELF (like osprey-kernel) with a 32-bit entry point.
#   as --64 -o empty-pvh.o empty-pvh.S && ld -m elf_x86_64 -Ttext=0x100000 -e _start -o empty-pvh empty-pvh.o
# XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen"): QEMU 7.2 reads the entry as 8 bytes in a
# 64-bit ELF, hence .quad.
    .section .note.Xen, "a", @note
    .balign 4
    .long 4                 # namesz ("Xen\0")
    .long 8                 # descsz
    .long 18                # XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .balign 4
    .quad _start

    .text
    .code32
    .globl _start
_start:                     # 32-bit protected mode, paging off, no stack needed
    mov $0xf4, %dx
    xor %eax, %eax          # value 0: QEMU exits with status (0 << 1) | 1 = 1
    out %eax, %dx
1:  hlt
    jmp 1b
