# MedTrace build, run and test entry points. See README.md.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go

# Debian packages for Fyne's cgo build (OpenGL, X11, Wayland) and for the
# real-window tests (Xvfb, xdotool).
DEB_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev \
	libxkbcommon-dev xvfb xdotool

# Every Go module of the project that has tests (the Fabric tools module only pins binaries).
MODULES := . $(wildcard chaincode)

.PHONY: all deps build run test vet bench fuzz clean

all: build

## deps: install missing Debian packages (as root), or print the apt-get line to run.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "MedTrace needs Debian packages that are missing. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

## build: build bin/medtrace.
build: deps
	$(GO) build -o bin/medtrace .

## run: build and open the desktop app.
run: build
	./bin/medtrace

## test: vet and race-test every module (GUI tests run headless).
test: deps
	@set -e; for m in $(MODULES); do \
	  echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); \
	done
	@set -e; for m in $(MODULES); do \
	  echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...); \
	done

## bench: run the benchmarks and print their tables.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: fuzz every parser target for FUZZTIME each (default 1m).
FUZZTIME ?= 1m
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin
