# Toolchain and emulator settings. Override any of these on the command line
# or in conf/local.mk (not tracked), e.g. TOOLPREFIX=x86_64-elf- or QEMU=...

# An x86_64-elf- cross compiler when one is installed, else the host GCC
# with freestanding flags (see KERN_CFLAGS in kern/Makefrag).
ifndef TOOLPREFIX
TOOLPREFIX := $(shell if x86_64-elf-gcc --version >/dev/null 2>&1; \
	then echo x86_64-elf-; fi)
endif

CC	:= $(TOOLPREFIX)gcc
LD	:= $(TOOLPREFIX)ld
OBJCOPY	:= $(TOOLPREFIX)objcopy
OBJDUMP	:= $(TOOLPREFIX)objdump
NM	:= $(TOOLPREFIX)nm
PYTHON	?= python3
QEMU	?= qemu-system-x86_64
BOCHS	?= bochs
GDB	?= gdb

# The port the QEMU gdb stub listens on: one per user, so that two students
# on one machine do not collide.
GDBPORT	?= $(shell expr `id -u` % 5000 + 25000)

-include conf/local.mk
