#!/usr/bin/env bash
# fresh-check: runs the README's `make test` on a clean Debian 12 (bookworm)
# root, as a new user on a fresh machine would: debootstrap a minimal root from
# the Debian mirror this machine uses, copy the Go toolchain in, git clone the
# repository's HEAD (committed work only, not the working tree) and run
# `make test` inside it with chroot. See docs/fresh-check.md.
#
# Settings (environment):
#   FRESH_WORK       where the run folders go (default /var/tmp/medtrace-fresh)
#   FRESH_PORT_BASE  the test ledger network's first port inside (default 28150,
#                    so a host's own `make test` on 27150+ can run beside it)
#   FRESH_TARGET     the make target run inside (default test)
#   FRESH_KEEP       1 keeps the root after a passing run (a failing one is kept)
#   FRESH_MIRROR     the Debian mirror (default: the one in /etc/apt/sources*)
#   GOROOT_HOST      the Go toolchain copied in (default /usr/local/go)
#   FRESH_REUSE_ROOT a root an earlier run's debootstrap made, to retry without
#                    building one again (its Go and clone are replaced)
set -euo pipefail

die() { echo "fresh-check: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "run it as root (debootstrap, mount and chroot need it)"

REPO=$(git rev-parse --show-toplevel) || die "run it inside the repository"
HEAD=$(git -C "$REPO" rev-parse HEAD)
SUITE=bookworm
WORK=${FRESH_WORK:-/var/tmp/medtrace-fresh}
PORT_BASE=${FRESH_PORT_BASE:-28150}
TARGET=${FRESH_TARGET:-test}
KEEP=${FRESH_KEEP:-0}
GOROOT_HOST=${GOROOT_HOST:-/usr/local/go}
[ -x "$GOROOT_HOST/bin/go" ] || die "no Go toolchain at $GOROOT_HOST"

# debian_uri SUITE prints the URI of the first apt source that serves SUITE's
# main component, from one-line (sources.list) or deb822 (*.sources) files.
debian_uri() {
	local suite=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		case $f in
		*.sources)
			awk -v suite="$suite" '
				function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && (" " comps " ") ~ / main /) { split(uris, u, " "); print u[1]; found = 1; exit } types = uris = suites = comps = "" }
				/^[ \t]*#/ { next }
				/^[ \t]*$/ { flush(); next }
				{ k = $1; sub(/:$/, "", k); $1 = ""; sub(/^ +/, ""); v = $0 }
				k == "Types" { types = v } k == "URIs" { uris = v } k == "Suites" { suites = v } k == "Components" { comps = v }
				END { if (!found) flush() }' "$f"
			;;
		*)
			awk -v suite="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) == suite) { for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit } } }' "$f"
			;;
		esac
	done | head -n 1
}

MIRROR=${FRESH_MIRROR:-$(debian_uri "$SUITE")}
SECURITY=$(debian_uri "$SUITE-security")
[ -n "$MIRROR" ] || die "no apt source for $SUITE main in /etc/apt (set FRESH_MIRROR)"

if ! command -v debootstrap >/dev/null; then
	echo "fresh-check: installing debootstrap"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

if [ -n "${FRESH_REUSE_ROOT:-}" ]; then
	# A root that an earlier run's debootstrap made (its run folder is used).
	[ -f "$FRESH_REUSE_ROOT/etc/debian_version" ] || die "$FRESH_REUSE_ROOT is not a Debian root"
	ROOT=$(cd "$FRESH_REUSE_ROOT" && pwd)
	RUN=$(dirname "$ROOT")
else
	RUN=$WORK/run-$(date -u +%Y%m%dT%H%M%SZ)
	ROOT=$RUN/root
	mkdir -p "$ROOT"
fi
LOG=$RUN/fresh-check.log
exec > >(tee -a "$LOG") 2>&1

stamp() { date -u +%H:%M:%S; }
echo "fresh-check: $(stamp) HEAD $HEAD of $REPO into $ROOT"
echo "fresh-check: mirror $MIRROR${SECURITY:+, security $SECURITY}; debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?')"

# Mounts are undone, and processes left inside the root stopped, on every exit.
mounted=()
cleanup() {
	local rc=$? pid
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		if [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$ROOT" ]; then
			kill "$pid" 2>/dev/null || true
		fi
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" || true
	done
	if awk -v r="$ROOT/" 'index($5, r) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		echo "fresh-check: mounts remain under $ROOT; it is not removed" >&2
	elif [ "$rc" = 0 ] && [ "$KEEP" != 1 ]; then
		rm -rf --one-file-system "$ROOT"
		echo "fresh-check: root removed (FRESH_KEEP=1 keeps it); log in $LOG"
	else
		echo "fresh-check: root kept in $ROOT; log in $LOG"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
if [ -n "${FRESH_REUSE_ROOT:-}" ]; then
	echo "== $(stamp) reusing the root that debootstrap made in $ROOT (FRESH_REUSE_ROOT)"
else
	echo "== $(stamp) debootstrap --variant=minbase $SUITE (plus git, make, ca-certificates: what a new user needs to clone and run make)"
	debootstrap --variant=minbase --include=ca-certificates,git,make "$SUITE" "$ROOT" "$MIRROR" >"$RUN/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$RUN/debootstrap.log"; die "debootstrap failed (full log: $RUN/debootstrap.log)"; }
fi
boot=$(date +%s)

{
	echo "deb $MIRROR $SUITE main"
	echo "deb $MIRROR $SUITE-updates main"
	[ -z "$SECURITY" ] || echo "deb $SECURITY $SUITE-security main"
} >"$ROOT/etc/apt/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Certificate authorities this machine adds locally (e.g. an egress proxy's)
# are part of its network, not of the project: the root trusts them too.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
	cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
	chroot "$ROOT" update-ca-certificates >/dev/null
fi

mount -t proc proc "$ROOT/proc"
mounted+=("$ROOT/proc")
mount --rbind /sys "$ROOT/sys"
mounted+=("$ROOT/sys")
mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" # with /dev/pts and /dev/shm
mounted+=("$ROOT/dev")
mount --make-rslave "$ROOT/dev"
[ -e "$ROOT/dev/pts/ptmx" ] || die "/dev/pts is not mounted in the root"

echo "== $(stamp) copy $GOROOT_HOST, git clone HEAD"
mkdir -p "$ROOT/usr/local"
rm -rf "$ROOT/usr/local/go"
cp -a "$GOROOT_HOST" "$ROOT/usr/local/go"
rm -rf "$ROOT/root/medtrace"
git clone --quiet --no-hardlinks --no-checkout "$REPO" "$ROOT/root/medtrace"
# HEAD as it was when the check started: others may commit while debootstrap runs.
git -C "$ROOT/root/medtrace" checkout --quiet --detach "$HEAD"
got=$(git -C "$ROOT/root/medtrace" rev-parse HEAD)
[ "$got" = "$HEAD" ] || die "the clone is at $got, not $HEAD"

echo "== $(stamp) make $TARGET LEDGER_TEST_PORT_BASE=$PORT_BASE (inside the root)"
# A clean environment, as a new login: only the proxy settings of this
# machine's network are passed on.
envs=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb)
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
	[ -z "${!v:-}" ] || envs+=("$v=${!v}")
done
made=$(date +%s)
set +e
chroot "$ROOT" /usr/bin/env -i "${envs[@]}" /bin/bash -c \
	"cd /root/medtrace && make $TARGET LEDGER_TEST_PORT_BASE=$PORT_BASE"
rc=$?
set -e
end=$(date +%s)
result=passed
[ "$rc" = 0 ] || result="FAILED (exit $rc)"
printf 'fresh-check: make %s %s; debootstrap %d min %d s, make %s %d min %d s, total %d min %d s (HEAD %s, %s)\n' \
	"$TARGET" "$result" $(((boot - start) / 60)) $(((boot - start) % 60)) "$TARGET" $(((end - made) / 60)) $(((end - made) % 60)) \
	$(((end - start) / 60)) $(((end - start) % 60)) "${HEAD:0:12}" "$(date -u +%Y-%m-%dT%H:%MZ)"
exit "$rc"
