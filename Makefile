# Thin aliases over the builder CLI and the test runner.
BUILDER := node --import tsx builder/cli.ts

.PHONY: build iso tarball run bench deps setup test test-unit test-vm clean

build: setup deps
	$(BUILDER) build

# The outputs read dist/vmlinuz and dist/initrd.img: run make build first.
iso: deps
	$(BUILDER) iso

tarball: iso
	$(BUILDER) tarball

# Boots dist/ under QEMU in this terminal; extra options with RUN_ARGS="--no-disk -m 4096".
run: deps
	$(BUILDER) kvm
	./dist/kvm/run.sh $(RUN_ARGS)

# Boot benchmark against a reference shell init: builds what it needs, boots both under
# QEMU, writes dist/bench/ (README "Benchmark"). Not part of make test: it takes minutes.
# Options with BENCH_ARGS="--runs 5 --compression-level 3 --cold".
bench: setup deps
	$(BUILDER) bench $(BENCH_ARGS)

setup:
	bash scripts/setup-host.sh

deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test: deps
	npm test

test-unit: deps
	npm run test:unit

test-vm: deps
	npm run test:vm

clean:
	rm -rf dist
