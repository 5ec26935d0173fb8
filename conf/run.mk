# Running Chitin: QEMU, Bochs, GDB and the grader.
#
# Each run boots a copy of the image (obj/run.img) with CMDLINE written into
# it, so the command line changes without rebuilding the kernel.

RUNIMG	:= $(OBJDIR)/run.img
# The CPU model is QEMU's default (qemu64), the same one the Linux reference
# guest in ../shared/linuxref uses, so figures compare like with like.
# The data disk (libos/fs/Makefrag: mkfs with every program in /bin) is
# the second drive: IDE primary slave (hd1), or DATAIF=virtio (vd0);
# DATAIMG= (empty) boots without it. The grader attaches its own.
DATAIMG	?= $(OBJDIR)/fs/data.img
DATAIF	?= ide
comma	:= ,
DATADRIVE = $(if $(DATAIMG),-drive file=$(DATAIMG)$(comma)format=raw$(comma)$(if \
	$(filter virtio,$(DATAIF)),if=virtio,if=ide$(comma)index=1$(comma)media=disk))
# The NIC (kern/e1000.c, kern/virtio_net.c) on QEMU's user-mode network
# (the guest 10.0.2.15, the host 10.0.2.2): NIC=e1000, virtio or none.
NIC	?= e1000
NICDEV_e1000 := e1000
NICDEV_virtio := virtio-net-pci,disable-legacy=on
NICOPTS = $(if $(NICDEV_$(NIC)),-netdev user$(comma)id=net0 -device $(NICDEV_$(NIC))$(comma)netdev=net0)
QEMUOPTS = -machine pc -accel $(ACCEL) -smp $(CPUS) -m $(MEM) \
	-drive file=$(RUNIMG),format=raw,if=ide,index=0,media=disk \
	$(DATADRIVE) $(NICOPTS) -no-reboot $(QEMUEXTRA)

# Install what is missing (Debian packages) before anything that runs the
# system; conf/deps.sh checks first and is quick when all is present.
deps:
	$(Q)sh conf/deps.sh

$(RUNIMG): $(IMAGE) $(if $(DATAIMG),fs-image) FORCE
	$(Q)cp $(IMAGE) $@
	$(Q)sh boot/setcmdline.sh $@ '$(CMDLINE)'

qemu: deps
	$(Q)$(MAKE) --no-print-directory $(RUNIMG)
	$(QEMU) $(QEMUOPTS) -serial mon:stdio

qemu-nox: deps
	$(Q)$(MAKE) --no-print-directory $(RUNIMG)
	@echo "*** Serial console on this terminal; Ctrl-a x quits QEMU."
	$(QEMU) $(QEMUOPTS) -display none -serial mon:stdio

.gdbinit: conf/gdbinit.tmpl $(OBJDIR)/kern/kernel
	$(Q)sed -e 's/@GDBPORT@/$(GDBPORT)/g' -e 's|@KERNEL@|$(OBJDIR)/kern/kernel|g' \
		-e "s/@KERNEL_ENTRY@/$$($(NM) $(OBJDIR)/kern/kernel | awk '$$3 == "_start" {print "0x" $$1}')/g" \
		$< > $@

qemu-gdb: deps .gdbinit
	$(Q)$(MAKE) --no-print-directory $(RUNIMG)
	@echo "*** Now run 'make gdb' in another terminal (gdb port $(GDBPORT))."
	$(QEMU) $(QEMUOPTS) -serial mon:stdio -S -gdb tcp::$(GDBPORT)

qemu-nox-gdb: deps .gdbinit
	$(Q)$(MAKE) --no-print-directory $(RUNIMG)
	@echo "*** Now run 'make gdb' in another terminal (gdb port $(GDBPORT))."
	$(QEMU) $(QEMUOPTS) -display none -serial mon:stdio -S -gdb tcp::$(GDBPORT)

gdb: .gdbinit
	$(GDB) -q -iex 'set auto-load local-gdbinit off' -x .gdbinit

# Bochs, headless: see conf/bochsrc for why the display is rfb with no wait.
bochs: deps
	$(Q)$(MAKE) --no-print-directory $(RUNIMG)
	$(Q)sed -e 's|@IMAGE@|$(RUNIMG)|g' -e 's|@CPUS@|$(CPUS)|g' -e 's|@MEM@|$(MEM)|g' \
		-e "s|@HOSTMEM@|$$([ $(MEM) -gt 2048 ] && echo 2048 || echo $(MEM))|g" \
		-e 's|@SERIAL@|/dev/stdout|g' conf/bochsrc > $(OBJDIR)/bochsrc.run
	$(Q)echo c > $(OBJDIR)/bochs.rc
	$(BOCHS) -q -unlock -f $(OBJDIR)/bochsrc.run -rc $(OBJDIR)/bochs.rc

# The grader: every test, or those whose name matches T (make grade T=smp).
# Besides what boots (all), the tests need their fixtures: host test
# programs (with sanitizers) and damaged or foreign disk images.
grade test: deps
	$(Q)$(MAKE) --no-print-directory all test-fixtures
	$(Q)$(PYTHON) grade/grade.py $(if $(T),-k '$(T)') $(if $(filter 1,$(V)),-v)

# Measured without the kernel's debug checks (page poisoning, the lock
# checker); the next make or make test builds them back in.
bench: deps
	$(Q)$(MAKE) --no-print-directory all PAGE_POISON=0 LOCK_CHECK=0
	$(Q)$(PYTHON) grade/bench.py

# The long hardening runs (README, "Hardening"): sysfuzz with millions of
# calls, the network fuzzer for FUZZ_SECONDS, every crash test with at
# least CRASH_TRIALS_LONG trials, the storms and the httpd soak at length.
FUZZ_SECONDS ?= 600
FUZZ_MUTATIONS ?= 200000
fuzz: deps
	$(Q)$(MAKE) --no-print-directory all test-fixtures
	$(Q)CHITIN_FUZZ=1 FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MUTATIONS=$(FUZZ_MUTATIONS) \
		$(PYTHON) grade/grade.py -j1 \
		-k '^(sysfuzz-|net-fuzz$$|fs-crash-qemu$$|disk-crash-|storm-|soak-|wire-)' \
		$(if $(filter 1,$(V)),-v)

FORCE:
.PHONY: deps qemu qemu-nox qemu-gdb qemu-nox-gdb gdb bochs grade test bench fuzz FORCE
