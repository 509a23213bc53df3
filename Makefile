# MedTrace build, run and test entry points. See README.md.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go

# Debian packages for Fyne's cgo build (the C library's headers, OpenGL, X11, Wayland) and for the
# real-window tests (Xvfb, xdotool, ImageMagick's import for screenshots and pixel checks).
# libc6-dev is only a Recommends of gcc, which --no-install-recommends leaves out.
DEB_PACKAGES := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev \
	libxkbcommon-dev xvfb xdotool imagemagick

# Every Go module of the project that has tests (the Fabric tools module only pins binaries).
MODULES := . trace chaincode

# The local ledger network (see docs/ledger-network.md): Fabric's binaries,
# the small tool that starts and stops it, and its state folder.
FABRIC_BIN := bin/fabric
FABRIC_CMDS := peer orderer configtxgen cryptogen osnadmin
LEDGERCTL := bin/medtrace-network
LEDGER_STATE ?= $(CURDIR)/.state/ledger
# Tests get their own network (own ledger, own ports), so their events never
# mix with the demo data of `make run` and both can run at once.
LEDGER_TEST_STATE ?= $(CURDIR)/.state/ledger-test
LEDGER_TEST_PORT_BASE ?= 27150
# The consortium test network (ledger's TestConsortium starts it, the last test stops it):
# 25 ports from LEDGER_TEST_PORT_BASE+200, so a fresh-check's copy stays apart too.
LEDGER_CONSORTIUM_PORT_BASE ?= $(shell echo $$(($(LEDGER_TEST_PORT_BASE) + 200)))

.PHONY: fonts all deps build run test vet bench fuzz clean package screenshots fabric ledgerctl ledger-up ledger-down fresh-check help lint vulncheck lint-tools lint-all growth

## all: build bin/medtrace (the default).
all: build

## help: list the targets and what they do.
help:
	@grep -hE '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): */\1\t/' | \
	  awk -F'\t' '{ printf "  %-12s %s\n", $$1, $$2 }'

# Linters, pinned; make installs them into bin/tools with the Go toolchain.
GOLANGCI_LINT_VERSION := v2.15.0
GOVULNCHECK_VERSION := v1.9.0
TOOLS := $(CURDIR)/bin/tools
GOLANGCI_LINT := $(TOOLS)/golangci-lint
GOVULNCHECK := $(TOOLS)/govulncheck
# govulncheck's database: vuln.go.dev is not reachable here, the module proxy
# is, and it serves golang.org/x/vulndb, whose data/osv holds every report.
# tools/govulndb turns them into the file:// database govulncheck reads. The
# database is as recent as this version (its time is the pseudo-version's);
# the proxy lists no versions, so a newer one is named here by hand.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_TIME := 2026-11-05T23:49:57Z
VULNDB := $(CURDIR)/bin/vulndb

## lint-tools: install golangci-lint and govulncheck (pinned) into bin/tools, build govulncheck's database in bin/vulndb.
lint-tools: $(GOLANGCI_LINT).$(GOLANGCI_LINT_VERSION) $(GOVULNCHECK).$(GOVULNCHECK_VERSION) $(VULNDB)/.$(VULNDB_VERSION)

$(GOLANGCI_LINT).$(GOLANGCI_LINT_VERSION):
	GOBIN=$(TOOLS) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	touch $@

$(GOVULNCHECK).$(GOVULNCHECK_VERSION):
	GOBIN=$(TOOLS) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	touch $@

$(VULNDB)/.$(VULNDB_VERSION):
	@set -eo pipefail; dir=$$(cd / && $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | \
	  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$dir/data/osv" || { echo "golang.org/x/vulndb@$(VULNDB_VERSION) has no data/osv"; exit 1; }; \
	$(GO) run ./tools/govulndb -osv "$$dir/data/osv" -modified $(VULNDB_TIME) -out $(VULNDB)
	touch $@

## vet: go vet every module.
vet:
	@set -e; for m in $(MODULES); do \
	  echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); \
	done

# When the linters came in (2026-12-06) the code held 232 findings in the root module; they were
# all fixed the same day (most were unchecked Close errors). `make lint` (part of `make test`) now
# fails on any finding anywhere.
LINT := $(GOLANGCI_LINT) run --allow-parallel-runners --config $(CURDIR)/.golangci.yml

## lint: golangci-lint (staticcheck, errcheck, govet, gofmt; see .golangci.yml) over every module.
lint: deps $(GOLANGCI_LINT).$(GOLANGCI_LINT_VERSION)
	@set -e; for m in $(MODULES); do \
	  echo "== golangci-lint ($$m)"; (cd $$m && $(LINT) ./...); \
	done

## lint-all: the same as lint (kept for the habit).
lint-all: lint

## vulncheck: govulncheck every module against the reports of the pinned golang.org/x/vulndb; fails on
## any vulnerability our code calls that .govulncheck-known does not list with its reason.
vulncheck: $(GOVULNCHECK).$(GOVULNCHECK_VERSION) $(VULNDB)/.$(VULNDB_VERSION)
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; for m in $(MODULES); do \
	  echo "== govulncheck ($$m)"; rc=0; \
	  (cd $$m && $(GOVULNCHECK) -db file://$(VULNDB) ./...) >$$out 2>&1 || rc=$$?; \
	  cat $$out; \
	  if [ $$rc != 0 ] && [ $$rc != 3 ]; then exit $$rc; fi; \
	  new=$$(sed -n 's/^Vulnerability #[0-9]*: \(GO-[0-9]*-[0-9]*\)$$/\1/p' $$out | \
	    grep -vxF -f <(sed -n 's/^\(GO-[0-9]*-[0-9]*\)[[:space:]].*/\1/p' .govulncheck-known) || true); \
	  if [ -n "$$new" ]; then echo "govulncheck ($$m): called vulnerabilities not in .govulncheck-known:" $$new; exit 1; fi; \
	  if [ $$rc = 3 ]; then echo "govulncheck ($$m): every vulnerability found is listed in .govulncheck-known"; fi; \
	done

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

## build: build bin/medtrace (-buildvcs=auto: 'medtrace version' names the revision even where GOFLAGS says -buildvcs=false).
build: deps
	$(GO) build -buildvcs=auto -o bin/medtrace .

## run: build, start the local ledger network (seeded once with the demo data), open the app.
## The app works offline when the network cannot start; the reason is printed.
run: build
	@if $(MAKE) --no-print-directory fabric; then \
	  if ./bin/medtrace ledger up --state $(LEDGER_STATE); then \
	    ./bin/medtrace ledger seed --state $(LEDGER_STATE) || \
	      echo "medtrace: the demo data set was not recorded (see above); the app runs anyway"; \
	  else \
	    echo "medtrace: the local ledger network did not start (see above); the app runs offline"; \
	  fi; \
	else \
	  echo "medtrace: Fabric did not build (see above); the app runs offline"; \
	fi
	MEDTRACE_LEDGER_STATE=$(LEDGER_STATE) MEDTRACE_LEDGER_PROFILE=$(LEDGER_STATE)/connection.json ./bin/medtrace

## fabric: build Fabric 2.5.9's peer, orderer, configtxgen, cryptogen, osnadmin into bin/fabric (tools/fabric).
fabric:
	cd tools/fabric && $(GO) build -o ../../$(FABRIC_BIN)/ $(addprefix github.com/hyperledger/fabric/cmd/,$(FABRIC_CMDS))

## ledgerctl: the network's up/down/status without the desktop app (quick to build).
ledgerctl:
	$(GO) build -o $(LEDGERCTL) ./ledger/network/cmd/medtrace-network

## ledger-up: start the local ledger network in .state/ledger (created on first use;
## LEDGER_TOPOLOGY=consortium makes a new one the multi-organisation network).
LEDGER_TOPOLOGY ?=
ledger-up: fabric ledgerctl
	$(LEDGERCTL) up --state $(LEDGER_STATE) --fabric-bin $(FABRIC_BIN) $(if $(LEDGER_TOPOLOGY),--topology $(LEDGER_TOPOLOGY))

## ledger-down: stop the local ledger network.
ledger-down: ledgerctl
	$(LEDGERCTL) down --state $(LEDGER_STATE)

## test: vet, lint and vulncheck, then race-test every module (GUI tests run headless)
## against the local ledger network, started here if it is not running and stopped after;
## the ledger package's TestConsortium also starts and stops a consortium network of its own.
test: deps fabric ledgerctl vet lint vulncheck
	@set -e; started=0; \
	if ! $(LEDGERCTL) status --state $(LEDGER_TEST_STATE) >/dev/null 2>&1; then \
	  echo "== ledger network up ($(LEDGER_TEST_STATE))"; \
	  started=1; MEDTRACE_LEDGER_PORT_BASE=$(LEDGER_TEST_PORT_BASE) \
	    $(LEDGERCTL) up --state $(LEDGER_TEST_STATE) --fabric-bin $(FABRIC_BIN); \
	fi; \
	trap 'if [ $$started = 1 ]; then echo "== ledger network down"; $(LEDGERCTL) down --if-unused --state $(LEDGER_TEST_STATE); fi' EXIT; \
	export MEDTRACE_LEDGER_PROFILE=$(LEDGER_TEST_STATE)/connection.json MEDTRACE_FABRIC_BIN=$(CURDIR)/$(FABRIC_BIN) \
	  MEDTRACE_LEDGER_CONSORTIUM_PORT_BASE=$(LEDGER_CONSORTIUM_PORT_BASE); \
	for m in $(MODULES); do \
	  echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 -timeout 30m ./...); \
	done

## fonts: make assets/fonts/DroidSansFallback-GB2312.ttf again (assets/fonts/README.md): installs
## Debian's python3-fonttools and fonts-droid-fallback's file (as root), then subsets it. Needed only
## when a translation gains a character the font lacks (TestAppFontsDrawTranslations names it).
fonts:
	@dpkg-query -W -f='$${Status}' python3-fonttools 2>/dev/null | grep -q "install ok installed" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-fonttools; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	  (cd $$tmp && apt-get download fonts-droid-fallback && dpkg-deb -x fonts-droid-fallback_*.deb droid); \
	  /usr/bin/python3 assets/fonts/subset.py $$tmp/droid/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf

## fresh-check: as root, prove `make test` on a clean Debian 12 root: debootstrap one from this
## machine's Debian mirror, copy Go in, git clone HEAD (committed work only) and run `make test`
## inside with chroot, the test network on port 28150 and up (docs/fresh-check.md). Long: Fabric
## and Fyne compile from scratch; try `nice -n 19 make fresh-check`.
fresh-check:
	tools/freshcheck/fresh-check.sh

## bench: run the benchmarks and print their tables, one package at a time (they
## measure the machine). The ledger's run first, on a network of their own, new each
## time (a ledger slows as it grows, docs/ledger.md, so figures from a network that
## earlier runs filled would not compare), with LEDGER_BENCHTIME transactions per row:
## enough that filling and draining the pipeline of transactions in flight is a small
## part. MEDTRACE_LEDGER_PROFILE benchmarks a running network instead.
## LEDGER_BENCH_TOPOLOGY=consortium runs the ledger's benchmarks on a new consortium network
## (a peer per member, three orderers, majority endorsement, mutual TLS; docs/ledger-network.md).
LEDGER_BENCH_STATE ?= $(CURDIR)/.state/ledger-bench
LEDGER_BENCH_PORT_BASE ?= 27250
LEDGER_BENCH_TOPOLOGY ?=
LEDGER_BENCHTIME ?= 200x
ZXING_DEB_VERSION := 1.4.0-3+b1
bench: deps fabric ledgerctl
	@$(LEDGERCTL) down --state $(LEDGER_BENCH_STATE) >/dev/null 2>&1 || true
	rm -rf $(LEDGER_BENCH_STATE)
	@set -e; export MEDTRACE_LEDGER_STATE=$(LEDGER_BENCH_STATE) MEDTRACE_LEDGER_PORT_BASE=$(LEDGER_BENCH_PORT_BASE) \
	  MEDTRACE_FABRIC_BIN=$(CURDIR)/$(FABRIC_BIN) MEDTRACE_LEDGER_BENCH_TOPOLOGY=$(LEDGER_BENCH_TOPOLOGY) \
	  MEDTRACE_LEDGER_CONSORTIUM_STATE=$(LEDGER_BENCH_STATE) MEDTRACE_LEDGER_CONSORTIUM_PORT_BASE=$(LEDGER_BENCH_PORT_BASE); \
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(LEDGER_BENCHTIME) ./ledger/; \
	$(GO) test -p 1 -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v '/ledger$$'); \
	cd chaincode && $(GO) test -p 1 -run '^$$' -bench . -benchmem ./...
	@# The Data Matrix decoder beside zxing-cpp (Debian's, pinned) on the shared corpus and the test's real-photo kinds (docs/scanner.md).
	@dpkg-query -W -f='$${Version}' python3-zxing-cpp 2>/dev/null | grep -qxF '$(ZXING_DEB_VERSION)' || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-zxing-cpp=$(ZXING_DEB_VERSION) python3-pil python3-numpy; }
	rm -rf .state/dmcompare && mkdir -p .state/dmcompare/real-kinds && $(GO) test -count=1 -run TestDecodeRealKinds ./scanner/dmdecode/ -dump-kinds $(CURDIR)/.state/dmcompare/real-kinds
	$(GO) run ./tools/dmcompare $$([ -d ../shared/corpus/datamatrix ] && echo ../shared/corpus/datamatrix) .state/dmcompare/real-kinds

## growth: how the ledger's speed changes as it grows (docs/capacity.md): a new network of its own
## (GROWTH_STATE, ports from GROWTH_PORT_BASE), commissioning GROWTH_PACKS packs in batches of 100,
## 20 transactions in flight, for at most GROWTH_DURATION; a row per 250,000 packs (events/s, disk,
## peer memory, CPU per event), then a peer snapshot and its size. Rows also in GROWTH_STATE/growth.tsv.
## Long and CPU-heavy: try `nice -n 10 make growth`. GROWTH_BLOOM=1 runs a peer whose LevelDB
## has Bloom filters (tools/growth/bloompeer/build.sh builds it into bin/fabric-bloom).
GROWTH_STATE ?= $(CURDIR)/.state/ledger-growth
GROWTH_PORT_BASE ?= 29500
GROWTH_PACKS ?= 10000000
GROWTH_DURATION ?= 50m
GROWTH_BLOOM ?=
GROWTH_FABRIC_BIN := $(if $(GROWTH_BLOOM),bin/fabric-bloom,$(FABRIC_BIN))
growth: deps fabric ledgerctl
	@$(LEDGERCTL) down --state $(GROWTH_STATE) >/dev/null 2>&1 || true
	rm -rf $(GROWTH_STATE)
	$(if $(GROWTH_BLOOM),tools/growth/bloompeer/build.sh $(FABRIC_BIN) $(GROWTH_FABRIC_BIN))
	@set -e; MEDTRACE_LEDGER_PORT_BASE=$(GROWTH_PORT_BASE) $(LEDGERCTL) up --state $(GROWTH_STATE) --fabric-bin $(GROWTH_FABRIC_BIN); \
	trap '$(LEDGERCTL) down --state $(GROWTH_STATE)' EXIT; \
	$(GO) run ./tools/growth --state $(GROWTH_STATE) --fabric-bin $(CURDIR)/$(GROWTH_FABRIC_BIN) \
	  --packs $(GROWTH_PACKS) --duration $(GROWTH_DURATION) --out $(GROWTH_STATE)/growth.tsv

## fuzz: fuzz every parser target of every module for FUZZTIME each (default 1m).
FUZZTIME ?= 1m
fuzz:
	@set -e; for m in $(MODULES); do \
	  for pkg in $$(cd $$m && $(GO) list ./...); do \
	    for t in $$(cd $$m && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	      echo "== $$pkg $$t"; (cd $$m && $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg); \
	    done; \
	  done; \
	done

## package: build bin/MedTrace.tar.xz, a Linux package (binary, .desktop file, icon), with
## fyne.io/tools $(FYNE_TOOLS_VERSION). The tree is left as it was: fyne may bump the build
## number in FyneApp.toml, which is put back.
FYNE_TOOLS_VERSION := v1.7.4
FYNE := $(shell PATH="$(PATH)" $(GO) env GOPATH)/bin/fyne
package: build
	@$(FYNE) version 2>/dev/null | grep -q '$(FYNE_TOOLS_VERSION)' || $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION)
	@set -e; cp FyneApp.toml bin/.FyneApp.toml.keep; \
	  trap 'cp bin/.FyneApp.toml.keep FyneApp.toml; rm -f bin/.FyneApp.toml.keep' EXIT; \
	  $(FYNE) package --os linux --exe bin/medtrace --name MedTrace --release; \
	  mv -f MedTrace.tar.xz bin/MedTrace.tar.xz
	@echo "bin/MedTrace.tar.xz: unpack it and run 'sudo make install' inside to install MedTrace"

## screenshots: run the real-window test (Xvfb, xdotool, ImageMagick's import) and save a
## screenshot of every main screen in both languages to docs/screenshots/.
screenshots: deps
	MEDTRACE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestRealWindow$$' -v ./app/

## clean: delete bin/ (binaries, tools, the vulnerability database).
clean:
	rm -rf bin
