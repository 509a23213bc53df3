#!/usr/bin/env bash
# Builds Fabric 2.5.9's peer with Bloom filters in its LevelDB databases, for
# the growth experiment (docs/capacity.md): Fabric opens every LevelDB with
# empty options (common/ledger/util/leveldbhelper) and no core.yaml setting
# adds a filter, so this build patches goleveldb's default instead: a nil
# Options.Filter becomes a Bloom filter of 10 bits per key. Everything else
# is the pinned build of tools/fabric. Output: OUT/peer, beside links to
# FABRIC_BIN's other binaries, so `medtrace-network up --fabric-bin OUT` runs it.
# Usage: build.sh FABRIC_BIN OUT
set -euo pipefail
fabric_bin=$(realpath "$1")
out=$(realpath -m "$2")
here=$(dirname "$(realpath "$0")")
root=$(realpath "$here/../../..")
gomodcache=$(go env GOMODCACHE)
cd "$root/tools/fabric"
ver=$(go list -m -f '{{.Version}}' github.com/syndtr/goleveldb)
src="$gomodcache/github.com/syndtr/goleveldb@$ver"
[ -d "$src" ] || go mod download github.com/syndtr/goleveldb
# A fixed work folder beside OUT: the same paths each time, so Go's build
# cache serves a rebuild.
work="$out.src"
[ ! -d "$work" ] || { chmod -R u+w "$work"; rm -rf "$work"; }
mkdir -p "$work"
cp -r "$src" "$work/goleveldb"
chmod -R u+w "$work/goleveldb"
opts="$work/goleveldb/leveldb/opt/options.go"
# The one change: GetFilter's "return o.Filter" gets a Bloom default.
grep -q '^	return o.Filter$' "$opts"
python3 - "$opts" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = "\treturn o.Filter\n}"
assert s.count(old) == 1, "goleveldb's GetFilter changed"
s = s.replace(old, "\tif o.Filter == nil {\n\t\treturn bloomDefault\n\t}\n\treturn o.Filter\n}\n\n// bloomDefault: MedTrace's growth experiment (tools/growth/bloompeer).\nvar bloomDefault = filter.NewBloomFilter(10)")
old = "func (o *Options) GetFilter() filter.Filter {\n\tif o == nil {\n\t\treturn nil\n\t}"
assert s.count(old) == 1, "goleveldb's GetFilter changed"
s = s.replace(old, "func (o *Options) GetFilter() filter.Filter {\n\tif o == nil {\n\t\treturn bloomDefault\n\t}")
open(p, "w").write(s)
PY
mkdir -p "$work/fabric"
cp go.mod go.sum tools.go "$work/fabric/"
cd "$work/fabric"
go mod edit -replace "github.com/syndtr/goleveldb=$work/goleveldb"
mkdir -p "$out"
GOFLAGS=-mod=mod go build -o "$out/" github.com/hyperledger/fabric/cmd/peer
for b in orderer configtxgen cryptogen osnadmin; do ln -sfn "$fabric_bin/$b" "$out/$b"; done
echo "bloom peer: $out/peer (goleveldb $ver, Bloom filter 10 bits per key by default)"
