# SPDX-License-Identifier: GPL-2.0
# dmabuf-p2p top-level targets.
#   make                 modules against KDIR (default: the running kernel)
#   make check           everything, in the VM (the README's test command)
#   make run             the main job in the VM (the README's main command)
#   make bench           the speed targets, measured (runs make check once)
KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all modules userspace check run bench clean

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace

check:
	bash tests/check.sh

run:
	bash tests/run.sh

bench:
	bash tests/bench.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
