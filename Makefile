# SPDX-License-Identifier: GPL-2.0-only
#
# Port mirroring for Linux 6.12: the patch series (patches/ and the new
# files at their kernel paths), the iproute2 series (iproute2/patches)
# and the harness that builds, boots and tests them (harness/).
# Everything generated goes to build/.

SHELL := /bin/bash

.PHONY: all run check test gates series bench deps tree kernel iproute2 clean

all: check

deps:
	@harness/deps.sh

tree: deps
	@harness/series/tree.sh

# The =y test kernel, as `make run` boots it
kernel: tree
	@harness/kernels/kernel.sh y

# ip with the iproute2 series (iproute2/patches), which the VMs use
iproute2: deps
	@harness/series/iproute2.sh

# make run: the demo, then a shell when stdin is a terminal;
# make run SCRIPT=f [ARGS="..."]: run f in the VM, with its exit status
run: kernel iproute2
ifdef SCRIPT
	@harness/vm/vm.sh build/obj-y $(abspath $(SCRIPT)) $(ARGS)
else
	@if [ -t 0 ]; then harness/vm/vm.sh build/obj-y --shell $(CURDIR)/harness/vm/demo.sh; \
	else harness/vm/vm.sh build/obj-y $(CURDIR)/harness/vm/demo.sh; fi
endif

check: deps
	@harness/check/check.sh

# The selftest on =y and =m only, without the gates: the edit-test loop
test: deps
	@harness/check/check.sh --test "$(MODES)"

# The upstream checks alone (make check runs them too);
# GATES="checkpatch kernel-doc rst abi spec sparse build bisect" picks some
gates: tree
	@harness/check/gates.sh

# The mailable series, kernel and iproute2: cover letters and patches
series: tree
	@harness/series/series.sh

# pktgen rates with and without mirroring, tc mirred and nft dup:
# build/bench/results.md and results.png (ROUNDS=5 by default)
bench: deps
	@harness/bench/bench.sh

clean:
	rm -rf build
