#!/bin/sh
# Print the QEMU accelerator to use: "kvm" only when the host CPU has
# hardware virtualization (vmx or svm), /dev/kvm is usable and the KVM in
# the kernel is not PVM (a software nested hypervisor on which ordinary
# kernels hit emulation failures). Otherwise "tcg".
if [ -d /sys/module/kvm_pvm ]; then echo tcg; exit 0; fi
if ! grep -qE '\b(vmx|svm)\b' /proc/cpuinfo 2>/dev/null; then echo tcg; exit 0; fi
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo kvm; else echo tcg; fi
