# The two commands a new machine needs: `make demo` and `make test` (see README.md).
BUILD_DIR ?= build
SANITIZE_DIR ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: deps build test test-sanitizers demo bench clean

deps:
	scripts/deps.sh

CONFIGURE = cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps
	$(CONFIGURE)
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	scripts/test-fixtures.sh
	cd $(BUILD_DIR) && ctest --no-tests=error --output-on-failure --timeout 900
	$(MAKE) test-sanitizers

# The unit tests again under ASan and UBSan, in a build dir of their own (cmake/instrumentation.cmake).
# Unoptimised, with line tables only, and without the end-to-end tests and benchmarks: a third of
# the compile time of an optimised build, which keeps CI's second build short.
test-sanitizers: deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
	  -DGANTRY_SANITIZE=address,undefined -DGANTRY_E2E_TESTS=OFF -DGANTRY_BENCH=OFF
	cmake --build $(SANITIZE_DIR) -j$(JOBS)
	cd $(SANITIZE_DIR) && ctest --no-tests=error --output-on-failure --timeout 900

# The demo runs the gantry binary only (with the gantry-http module it depends on): not the tests
# and benchmarks, which are 170 of the tree's 406 compiles.
demo: deps
	$(CONFIGURE)
	cmake --build $(BUILD_DIR) -j$(JOBS) --target gantry
	scripts/demo.sh $(BUILD_DIR)/cli/gantry

bench: build
	bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
