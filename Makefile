# The two commands of the README. Each installs what it is missing first.
.PHONY: run test build release bench clean

# The main job: the controller's reconcile loop on the embedded simulated cluster.
run:
	@scripts/setup.sh
	swift run -c release inferno-controller simulate

# Tests that measure rates and timeouts against a real Prometheus, a real HTTP server or a lease run after the
# others, one at a time: beside a machine's worth of parallel simulations their clocks are not theirs.
TIMED_TESTS := Prom(Client|Collector|MultiVariant|KEDA)Tests|RunCommandEndToEndTests|KubeLeaderElectionTests|ChaosHandoverTests|PromDashboardTests

test:
	@scripts/setup.sh --test
	swift build --build-tests
	swift test --skip-build --skip '$(TIMED_TESTS)'
	swift test --skip-build --no-parallel --filter '$(TIMED_TESTS)'

build:
	@scripts/setup.sh
	swift build

release:
	@scripts/setup.sh
	swift build -c release

clean:
	rm -rf .build
