# Build-time and boot-time defaults. Each can be overridden on the make
# command line: make qemu-nox CPUS=4 MEM=512 CMDLINE='test=exceptions'

# virtual CPUs (1-8 tested) and guest RAM in MiB (128-4096 tested)
CPUS	?= 2
MEM	?= 256
# the boot command line, written into a copy of the image at boot time
CMDLINE	?=
# The accelerator: kvm only where the host CPU has vmx/svm and /dev/kvm is a
# real KVM (not PVM, /sys/module/kvm_pvm, on which stock kernels fail);
# tcg otherwise. ACCEL=kvm or ACCEL=tcg forces either.
ACCEL	?= $(shell sh conf/accel.sh)
# Time slices: the length of one slot of a CPU's slice vector (the LAPIC
# timer ticks once per slot) and the grace an env gets in its epilogue
# upcall before it is preempted anyway.
# The grace is generous because under QEMU's TCG guest code runs many
# times slower than the clock it is timed by; 20 us is enough on hardware
# or KVM (make ... SLICE_GRACE_US=20).
SLICE_US ?= 1000
SLICE_GRACE_US ?= 200
# The lock-order checker (kern/spinlock.h): panics naming both locks on
# an order violation or a double acquire. On by default, so every test
# runs with it; LOCK_CHECK=0 leaves it out.
LOCK_CHECK ?= 1

# Freed physical pages are filled with 0x6b and checked when handed out
# again (kern/pmap.c): a write after free panics with the page and offset.
# On in the build the tests use; PAGE_POISON=0 for measurements.
PAGE_POISON ?= 1
TIMER_HZ := $(shell expr 1000000 / $(SLICE_US))
