# Thin aliases over the builder CLI and the test runner.
BUILDER := node --import tsx builder/cli.ts

.PHONY: build deps setup test test-unit test-vm clean

build: setup deps
	$(BUILDER) build

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
