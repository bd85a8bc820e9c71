# SPDX-License-Identifier: GPL-2.0
#
# cohort top-level Makefile.
#
#   make              module for the default guest kernel + userspace tools
#   make KVER=<ver>   module for that packaged kernel (KDIR= overrides headers)
#   make check        host unit tests, then guest selftests on every packaged
#                     kernel and on the debug kernel (or only KVER= when
#                     given; KVER=debug for the debug kernel alone); last
#                     line "N passed, N failed"
#   make debug-kernel build the debug guest kernel (KASAN, lockdep, kmemleak,
#                     UBSAN...) once, cached outside the tree, and cohort.ko
#                     against it (build/mod/debug/kernel/cohort.ko)
#   make demo         boot a 3-node virtual cluster and show cohortctl info
#   make style        W=1, sparse (C=2) and checkpatch --strict
#   make bench        in-kernel RPC vs userspace TCP, migration vs CRIU,
#                     BENCH lines
#   make deps         install missing Debian packages (scripts/deps.sh)

TOP := $(CURDIR)
BUILD := $(TOP)/build

# Guest kernels: the packaged ones with headers, oldest first. Never uname -r.
# "debug" names the debug kernel that make debug-kernel builds from
# linux-source-6.12 (scripts/debug_kernel.sh): its tree to build modules
# against is build/debug-kernel/out.
KVERS_ALL := $(shell $(TOP)/scripts/kvers.sh 2>/dev/null)
ifeq ($(origin KVER),undefined)
KVER := $(firstword $(KVERS_ALL))
CHECK_KVERS := $(KVERS_ALL) debug
else
CHECK_KVERS := $(KVER)
endif
kdir_of = $(if $(filter debug,$(1)),$(BUILD)/debug-kernel/out,/lib/modules/$(1)/build)
KDIR ?= $(call kdir_of,$(KVER))

KSRC_FILES := kernel/Kbuild $(wildcard kernel/*.c kernel/*.h kernel/*/*.c kernel/*/*.h)
UAPI := uapi/linux/cohort.h

# Build the module for one kernel in a mirror directory of symlinks, so
# that several kernels (and the test build) never share object files.
#   $(1): mirror directory  $(2): kernel version  $(3): headers dir
#   $(4): extra make arguments
define build_module
	@mkdir -p $(1)/kernel/net $(1)/kernel/admin $(1)/kernel/proc
	@ln -sf $(TOP)/Kbuild $(1)/Kbuild
	@for f in $(KSRC_FILES); do ln -sf $(TOP)/$$f $(1)/$$f; done
	@test -e $(3)/Makefile || { echo "no headers for '$(2)' in $(3): run make deps" >&2; exit 1; }
	$(MAKE) -C $(3) M=$(1) COHORT_TOP=$(TOP) $(4) modules
endef

.PHONY: all module module-test userspace selftests hosttests check demo \
	style bench deps debug-kernel clean FORCE

all: module userspace

ifeq ($(KVER),)
module module-test:
	@echo "no packaged guest kernel with headers found: run make deps" >&2
	@exit 1
else
module: $(BUILD)/mod/$(KVER)/kernel/cohort.ko
	@cp $< kernel/cohort.ko
	@echo "built kernel/cohort.ko for $(KVER)"

module-test: $(BUILD)/mod/$(KVER)-test/kernel/cohort.ko
endif

$(BUILD)/mod/%-test/kernel/cohort.ko: $(KSRC_FILES) $(UAPI) FORCE
	$(call build_module,$(BUILD)/mod/$*-test,$*,$(call kdir_of,$*),COHORT_TEST_HOOKS=y)

$(BUILD)/mod/%/kernel/cohort.ko: $(KSRC_FILES) $(UAPI) FORCE
	$(call build_module,$(BUILD)/mod/$*,$*,$(if $(filter $*,$(KVER)),$(KDIR),$(call kdir_of,$*)),)

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C selftests

hosttests:
	$(MAKE) -C selftests host

deps:
	$(TOP)/scripts/deps.sh

debug-kernel: deps
	$(TOP)/scripts/debug_kernel.sh
	$(MAKE) --no-print-directory $(BUILD)/mod/debug/kernel/cohort.ko

# Every module flavour that the guest suite loads, for each kernel tested.
check-modules:
	@for v in $(CHECK_KVERS); do \
		$(MAKE) --no-print-directory $(BUILD)/mod/$$v/kernel/cohort.ko \
			$(BUILD)/mod/$$v-test/kernel/cohort.ko || exit 1; \
	done

check: deps $(if $(filter debug,$(CHECK_KVERS)),debug-kernel)
	$(MAKE) --no-print-directory all selftests check-modules
	$(TOP)/scripts/check.sh $(CHECK_KVERS)

demo: deps
	$(MAKE) --no-print-directory all
	$(TOP)/scripts/demo.sh $(KVER)

style: deps
	@for v in $(filter-out debug,$(CHECK_KVERS)); do $(TOP)/scripts/style.sh $$v || exit 1; done

bench: deps
	$(MAKE) --no-print-directory all
	$(MAKE) -C bench
	$(TOP)/scripts/bench.sh $(KVER)
	$(TOP)/scripts/bench_insn.sh $(KVER)
	$(TOP)/scripts/bench_migrate.sh $(KVER)

clean:
	rm -rf $(BUILD)/mod kernel/cohort.ko
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	$(MAKE) -C bench clean
