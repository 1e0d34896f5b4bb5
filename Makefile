# The two commands of the README. Each installs what it is missing first.
.PHONY: run test build release bench clean

# The main job: the controller's reconcile loop on the embedded simulated cluster.
run:
	@scripts/setup.sh
	swift run -c release inferno-controller simulate

test:
	@scripts/setup.sh --test
	swift build --build-tests
	swift test --skip-build

build:
	@scripts/setup.sh
	swift build

release:
	@scripts/setup.sh
	swift build -c release

clean:
	rm -rf .build
