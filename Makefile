# SPDX-License-Identifier: GPL-2.0
# dmabuf-p2p top-level targets.
#   make                 modules against KDIR (default: the running kernel)
#   make check [P=profile,...] [T=glob]
#                        everything, in the VM (the README's test command);
#                        P and T narrow it to profiles and test names
#   make run             the main job in the VM (the README's main command)
#   make soak [P=noiommu,iommu] [N=boots] [S=stress seconds]
#                        boot the profiles N times each, seeded stress each
#   make bench [S=cycle seconds]
#                        what P2P users pay (map latency, revoke fan-out,
#                        cycle rate), measured in the VM: report + plots
#   make bench-rig       the rig's own speed targets (make check times)
#   make kunit-run       the KUnit suites built in and run by the kernel's
#                        kunit.py (x86_64 under QEMU)
KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all modules userspace check run soak bench bench-rig kunit-run clean

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace

check:
	P="$(P)" T="$(T)" bash tests/check.sh

soak:
	P="$(P)" N="$(N)" S="$(S)" bash tests/soak.sh

run:
	bash tests/run.sh

bench:
	S="$(S)" bash tests/bench.sh

bench-rig:
	bash tests/bench_rig.sh

kunit-run:
	bash tests/kunit/kunit_run.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
