#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The crate inside Linux 6.12: build its C ABI into a kernel object, patch
# Debian's linux-source-6.12 with CONFIG_KALLSYMS_RUST, then
#  - UML (kunit.py): the KUnit suite kallsyms_rust, and the kernel's own
#    kallsyms selftest with the crate's lookups on and off;
#  - x86-64 under QEMU: the selftest again, the livepatch sample, the
#    project's sympos and .klp.sym. livepatch modules, and the kernel's
#    livepatch selftests, with the crate on and off.
# Exits non-zero on any failure. See tests/kernel/README.md.
#
# Usage: tests/kernel/run.sh [CACHE_DIR]
#   CACHE_DIR (or $KSYM_KERNEL_CACHE; default ~/.cache/ksym-kernel) keeps the
#   extracted, patched tree, the build directories and the logs (logs/), so a
#   second run only rebuilds what changed.
#   KSYM_KERNEL_PARTS="uml qemu" chooses the parts ("ksym": only the object
#   and its checks); JOBS the make jobs.
set -euo pipefail

repo=$(cd "$(dirname "$(realpath "$0")")/../.." && pwd)
here=$repo/tests/kernel
cache=$(realpath -m "${1:-${KSYM_KERNEL_CACHE:-$HOME/.cache/ksym-kernel}}")
parts=${KSYM_KERNEL_PARTS:-uml qemu}
jobs=${JOBS:-$(nproc)}
tree=$cache/linux-6.12
logs=$cache/logs
t_start=$(date +%s)

mkdir -p "$cache" "$logs"
rm -f "$logs"/*.log "$logs"/*.txt

declare -a summary=()
failures=0
note() { summary+=("$*"); echo ">> $*"; }
pass() { note "PASS  $*"; }
failed() { note "FAIL  $*"; failures=$((failures + 1)); }
step() { echo; echo "==== $* ($(($(date +%s) - t_start)) s)"; }
die() { echo "run.sh: $*" >&2; exit 1; }
# timed NAME CMD...: run CMD, note its wall time.
declare -A took=()
timed() {
	local name=$1 t0=$(date +%s) rc=0
	shift
	"$@" || rc=$?
	took[$name]=$(($(date +%s) - t0))
	return $rc
}

# ---- 1. packages ---------------------------------------------------------------
step "packages"
pkgs=(linux-source-6.12 xz-utils bc flex bison libelf-dev libssl-dev python3 cpio
      kmod gcc make binutils busybox-static bash-static qemu-system-x86 gzip rsync)
need=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ "${#need[@]}" -gt 0 ]; then
	echo "apt-get install ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -1)

# ---- 2. the tree, patched --------------------------------------------------------
step "kernel tree"
stamp="$(dpkg-query -W -f='${Version}' linux-source-6.12) $tarball"
if [ "$(cat "$tree/.ksym-extracted" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$tree" "$cache/linux-source-6.12"
	echo "extracting $tarball"
	tar -C "$cache" -xf "$tarball"
	mv "$cache/linux-source-6.12" "$tree"
	echo "$stamp" > "$tree/.ksym-extracted"
fi
# .ksym-applied/ holds copies of the patches applied, to revert them (last
# first) when the project's patches change.
applied=$tree/.ksym-applied
if [ -d "$applied" ] && ! diff -rq "$applied" "$here/patches" >/dev/null 2>&1; then
	for p in $(ls -r "$applied"/*.patch); do
		echo "reverting $(basename "$p")"
		(cd "$tree" && patch -p1 -R --batch --quiet < "$p") ||
			die "could not revert $p: remove $tree"
	done
	rm -rf "$applied"
fi
if [ ! -d "$applied" ]; then
	for p in "$here"/patches/*.patch; do
		echo "applying $(basename "$p")"
		(cd "$tree" && patch -p1 --batch --forward --quiet < "$p") ||
			{ rm -f "$tree/.ksym-extracted"; die "$p does not apply"; }
	done
	cp -r "$here/patches" "$applied"
fi

# ---- 3. the crate's object --------------------------------------------------------
step "ksym.o (the crate, feature capi, kernel code flags)"
if ! timed ksym "$here/scripts/build-ksym.sh" "$repo" "$cache/ksym" "$cache/cargo-target" \
	> "$logs/ksym-build.log" 2>&1; then
	cat "$logs/ksym-build.log"
	die "ksym.o: the crate's build or the object's checks failed (logs/ksym-build.log)"
fi
cat "$logs/ksym-build.log"
pass "ksym.o: $(sed -n 's/^build-ksym: ok: //p' "$logs/ksym-build.log")"
# Copy only what changed, so that make sees no change otherwise.
install_if_changed() { cmp -s "$1" "$2" || cp "$1" "$2"; }
install_if_changed "$cache/ksym/ksym.o" "$tree/kernel/ksym.o_shipped"
install_if_changed "$cache/ksym/ksym.h" "$tree/include/linux/ksym.h"

# Lines of the kallsyms selftest in a log: timing, failures, finish.
selftest_report() { # LOG LABEL
	local log=$1 label=$2
	grep -a 'kallsyms_selftest:' "$log" | sed 's/^\[[ 0-9.]*\] //' > "$logs/$label-selftest.txt" || true
	if grep -q 'kallsyms_selftest: finish' "$logs/$label-selftest.txt" &&
	   ! grep -qE 'failed|abort|mismatch|Never found|NULL lookup|!=|\?!' "$logs/$label-selftest.txt"; then
		pass "$label: kallsyms selftest finish, no failure line"
	else
		failed "$label: kallsyms selftest (logs/$label-selftest.txt)"
	fi
	grep -E 'avg=|traverse all' "$logs/$label-selftest.txt" | sed "s/^/      [$label] /" || true
}
# ratio KIND: the median of the selftest's kallsyms_lookup_name() avg= over the
# boots with the C lookups, over the median with the crate (logs/KIND-{rust,c}*).
median_avg() {
	cat "$logs"/$1-selftest.txt 2>/dev/null | sed -n 's/.*avg=\([0-9]*\).*/\1/p' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
ratio() {
	local r c
	r=$(median_avg "$1-rust*")
	c=$(median_avg "$1-c*")
	[ -n "$r" ] && [ -n "$c" ] && [ "$r" -gt 0 ] || return 0
	note "INFO  $1 selftest kallsyms_lookup_name() avg (median of boots): crate $r ns, C $c ns: C/crate = $(awk -v c="$c" -v r="$r" 'BEGIN { printf "%.2f", c / r }')"
}
# Warnings of a kernel log: WARNING, BUG, Oops, call traces, kallsyms_rust lines.
kernel_warnings() { # LOG LABEL
	local bad
	bad=$(grep -aE 'WARNING:|BUG:|Oops|Call Trace|kallsyms_rust: .*(rejected|warn)|general protection|stack-protector' "$1" || true)
	if [ -z "$bad" ]; then pass "$2: kernel log has no warning"; else
		failed "$2: kernel log warnings: $(head -3 <<<"$bad" | tr '\n' ' ')"; fi
	grep -a 'kallsyms_rust:' "$1" | sed "s/^.*kallsyms_rust:/      [$2] kallsyms_rust:/" | sort -u | head -3 || true
}

# ---- 4. User-Mode Linux: KUnit and the selftest ------------------------------------
run_uml() {
	local uml=$cache/uml kcfg=$cache/uml.kunitconfig list=$cache/initramfs-uml.list
	step "UML: build (kunit.py)"
	mkdir -p "$uml"
	cat > "$list" <<-EOF
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /bin 0755 0 0
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	dir /tmp 0755 0 0
	file /bin/busybox $(command -v busybox) 0755 0 0
	file /init $here/initramfs/init 0755 0 0
	EOF
	{ cat "$here/configs/uml.kunitconfig"; echo "CONFIG_INITRAMFS_SOURCE=\"$list\""; } > "$kcfg"
	if ! timed uml-build python3 "$tree/tools/testing/kunit/kunit.py" build --arch=um \
		--build_dir="$uml" --kunitconfig="$kcfg" --jobs="$jobs" > "$logs/uml-build.log" 2>&1; then
		tail -40 "$logs/uml-build.log"
		failed "UML build (logs/uml-build.log)"
		return
	fi
	pass "UML build (${took[uml-build]} s)"

	step "UML: KUnit suite kallsyms_rust (kunit.py exec)"
	timed uml-kunit python3 "$tree/tools/testing/kunit/kunit.py" exec --arch=um \
		--build_dir="$uml" --timeout=900 --raw_output=all 'kallsyms_rust' \
		> "$logs/uml-kunit.log" 2>&1 || true
	python3 "$tree/tools/testing/kunit/kunit.py" parse < "$logs/uml-kunit.log" \
		> "$logs/uml-kunit-parsed.log" 2>&1 || true
	# The KTAP output, for CI logs.
	sed -n '/KTAP version/,/^ok [0-9]* kallsyms_rust/p' "$logs/uml-kunit.log" | sed 's/^/      /' || true
	if grep -qE 'Testing complete\. Ran [0-9]+ tests: passed: [0-9]+$' "$logs/uml-kunit-parsed.log" &&
	   grep -aq '^ok [0-9]* kallsyms_rust' "$logs/uml-kunit.log"; then
		pass "UML KUnit: $(grep -oE 'Ran [0-9]+ tests: passed: [0-9]+' "$logs/uml-kunit-parsed.log")"
	else
		failed "UML KUnit (logs/uml-kunit.log): $(grep -E 'Testing complete' "$logs/uml-kunit-parsed.log" || echo no result)"
	fi
	kernel_warnings "$logs/uml-kunit.log" "UML KUnit boot"

	# Three boots each way, alternating, for timings less at the mercy of the
	# machine's other load.
	local mode args round
	for round in 1 2 3; do
		for mode in rust c; do
			step "UML: kallsyms selftest, lookups by $mode, boot $round"
			args="mem=1G console=tty kunit.enable=0"
			[ "$mode" = c ] && args="$args kallsyms_rust=0"
			# shellcheck disable=SC2086
			timed "uml-selftest-$mode" timeout 900 "$uml/linux" $args < /dev/null \
				> "$logs/uml-selftest-$mode-$round.log" 2>&1 || true
			selftest_report "$logs/uml-selftest-$mode-$round.log" "UML-$mode-$round"
			kernel_warnings "$logs/uml-selftest-$mode-$round.log" "UML $mode $round"
		done
	done
	ratio UML
}

# ---- 5. x86-64 under QEMU: selftest, livepatches, livepatch selftests -------------
# add_bin ROOT BINARY [NAME...]: copy a host binary and its shared libraries into
# ROOT (as /usr/bin/NAME, default its own name).
add_bin() {
	local root=$1 bin=$2 lib
	shift 2
	for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	mkdir -p "$root/usr/bin"
	cp -L "$bin" "$root/usr/bin/$(basename "$bin")"
	for name in "$@"; do ln -sf "$(basename "$bin")" "$root/usr/bin/$name"; done
}

run_qemu() {
	local x86=$cache/x86 mods=$cache/x86-modules root=$cache/x86-initramfs
	local make_x86=(make -C "$tree" O="$x86" -j"$jobs")
	step "QEMU: configure (tinyconfig + configs/x86_64.config)"
	mkdir -p "$x86"
	if ! cmp -s "$here/configs/x86_64.config" "$x86/.ksym-fragment" || [ ! -f "$x86/.config" ]; then
		"${make_x86[@]}" -s tinyconfig > "$logs/x86-config.log" 2>&1
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$x86" "$x86/.config" \
			"$here/configs/x86_64.config" >> "$logs/x86-config.log" 2>&1
		"${make_x86[@]}" -s olddefconfig >> "$logs/x86-config.log" 2>&1
		cp "$here/configs/x86_64.config" "$x86/.ksym-fragment"
	fi
	local opt missing=
	for opt in $(grep -oE '^CONFIG_[A-Z0-9_]+=[ym]' "$here/configs/x86_64.config"); do
		grep -qx "$opt" "$x86/.config" || missing="$missing $opt"
	done
	for opt in $(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$here/configs/x86_64.config"); do
		grep -q "^$opt=" "$x86/.config" && missing="$missing $opt(off)"
	done
	[ -z "$missing" ] || { failed "x86-64 config lacks:$missing"; return; }

	step "QEMU: build bzImage and modules"
	if ! timed x86-build "${make_x86[@]}" bzImage modules > "$logs/x86-build.log" 2>&1; then
		grep -E 'error|Error' "$logs/x86-build.log" | head -20
		failed "x86-64 build (logs/x86-build.log)"
		return
	fi
	grep -E 'warning: objtool|ksym|kallsyms_rust' "$logs/x86-build.log" | head -10 || true
	pass "x86-64 build (${took[x86-build]} s): $(du -k "$x86/arch/x86/boot/bzImage" | cut -f1) KiB bzImage"

	# External modules: the project's livepatches and the selftests' modules.
	rm -rf "$mods" && mkdir -p "$mods"
	cp -r "$here/modules" "$mods/klp"
	cp -r "$tree/tools/testing/selftests/livepatch/test_modules" "$mods/selftests"
	if ! { "${make_x86[@]}" M="$mods/klp" modules &&
	       "${make_x86[@]}" M="$mods/selftests" modules; } > "$logs/x86-modules.log" 2>&1; then
		tail -20 "$logs/x86-modules.log"
		failed "x86-64 test modules (logs/x86-modules.log)"
		return
	fi
	python3 "$here/scripts/klp-relocs.py" "$mods/klp/klp_sym.ko" >> "$logs/x86-modules.log"

	step "QEMU: initramfs"
	local krel
	krel=$(cat "$x86/include/config/kernel.release")
	rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/klp,selftests,usr/bin,usr/sbin}
	mkdir -p "$root/lib/modules/$krel/build"  # functions.sh's has_kdir
	mknod -m 600 "$root/dev/console" c 5 1
	cp "$(command -v busybox)" "$root/bin/busybox"
	cp /bin/bash-static "$root/bin/bash"
	install -m 755 "$here/initramfs/init" "$root/init"
	install -m 755 "$here/initramfs/tests.sh" "$root/tests.sh"
	cp "$x86/samples/livepatch/livepatch-sample.ko" "$mods/klp/klp_sympos.ko" \
		"$mods/klp/klp_sym.ko" "$root/lib/klp/"
	cp -r "$tree/tools/testing/selftests/livepatch" "$root/selftests/"
	rm -rf "$root/selftests/livepatch/test_modules"
	mkdir -p "$root/selftests/livepatch/test_modules"
	cp "$mods"/selftests/*.ko "$root/selftests/livepatch/test_modules/"
	gcc -static -O2 -o "$root/selftests/livepatch/test_klp-call_getpid" \
		"$tree/tools/testing/selftests/livepatch/test_klp-call_getpid.c"
	# What the selftests call with options busybox lacks (kmod's messages are
	# part of their expected output).
	add_bin "$root" "$(command -v kmod)" insmod rmmod modinfo modprobe lsmod
	local b
	for b in date diff sysctl stat getconf dmesg; do add_bin "$root" "$(command -v $b)"; done
	(cd "$root" && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1) > "$cache/x86-initramfs.cpio.gz"
	echo "initramfs: $(du -k "$cache/x86-initramfs.cpio.gz" | cut -f1) KiB"

	local mode
	declare -A st_pass=()
	for mode in rust c; do
		step "QEMU: boot, lookups by $mode"
		# No HPET or PM timer without ACPI, and TCG fails the PIT calibration:
		# take the TSC at the host's rate, so that the selftest's sched_clock()
		# timings are not in 4 ms jiffies.
		local mhz
		mhz=$(awk -F: '/^cpu MHz/ { print int($2); exit }' /proc/cpuinfo)
		local append="console=ttyS0 panic=-1 oops=panic loglevel=4 KSYM_GUEST=qemu"
		[ -n "$mhz" ] && append="$append tsc_early_khz=${mhz}000 tsc=nowatchdog"
		[ "$mode" = c ] && append="$append kallsyms_rust=0"
		timed "qemu-$mode" timeout 1500 qemu-system-x86_64 -m 512 -smp 2 -nographic \
			-no-reboot -kernel "$x86/arch/x86/boot/bzImage" \
			-initrd "$cache/x86-initramfs.cpio.gz" -append "$append" < /dev/null \
			> "$logs/qemu-$mode.log" 2>&1 || true
		tr -d '\r' < "$logs/qemu-$mode.log" > "$logs/qemu-$mode.txt"
		local L="QEMU $mode" log=$logs/qemu-$mode.txt
		grep -q 'init: END OF TESTS' "$log" || failed "$L: the guest did not finish (logs/qemu-$mode.log)"
		sed -n '/^KTEST BOOT DMESG BEGIN/,/^KTEST BOOT DMESG END/p' "$log" > "$logs/qemu-$mode-boot.txt"
		selftest_report "$logs/qemu-$mode-boot.txt" "QEMU-$mode"
		while read -r l; do pass "$L: $l"; done < <(grep -a '^KTEST PASS' "$log" | sed 's/^KTEST PASS //')
		while read -r l; do failed "$L: $l"; done < <(grep -a '^KTEST FAIL' "$log" | sed 's/^KTEST FAIL //')
		local sp sf ss
		sp=$(grep -ac '^KTEST SELFTEST PASS' "$log" || true)
		sf=$(grep -ac '^KTEST SELFTEST FAIL' "$log" || true)
		ss=$(grep -ac '^KTEST SELFTEST SKIP' "$log" || true)
		st_pass[$mode]=$sp
		note "INFO  $L: livepatch selftests: $sp passed, $sf failed, $ss skipped ($(grep -a '^KTEST SELFTEST' "$log" | awk '{print $4 "=" $3}' | tr '\n' ' '))"
		sed -n '/^KTEST DMESG BEGIN/,/^KTEST DMESG END/p' "$log" > "$logs/qemu-$mode-dmesg.txt"
		cat "$log" "$logs/qemu-$mode-dmesg.txt" > "$logs/qemu-$mode-all.txt"
		kernel_warnings "$logs/qemu-$mode-all.txt" "$L"
	done
	ratio QEMU
	# The selftests are the kernel's: what fails with the C lookups may fail
	# here for reasons of this small guest; the crate must not fail more.
	if [ "${st_pass[rust]:-0}" -ge "${st_pass[c]:-0}" ] && [ "${st_pass[rust]:-0}" -gt 0 ]; then
		pass "QEMU: livepatch selftests pass as often with the crate (${st_pass[rust]}) as with the C lookups (${st_pass[c]})"
	else
		failed "QEMU: livepatch selftests: ${st_pass[rust]:-0} pass with the crate, ${st_pass[c]:-0} with the C lookups"
	fi
}

for part in $parts; do
	case $part in
	uml) run_uml ;;
	qemu) run_qemu ;;
	ksym) ;; # the object and its checks only
	*) die "unknown part $part" ;;
	esac
done

# ---- summary -------------------------------------------------------------------------
echo
echo "================ tests/kernel summary ================"
printf '%s\n' "${summary[@]}"
for k in "${!took[@]}"; do printf '%s=%ss ' "$k" "${took[$k]}"; done; echo
echo "logs: $logs; total $(($(date +%s) - t_start)) s"
passes=$(printf '%s\n' "${summary[@]}" | grep -c '^PASS' || true)
echo "kernel: $passes passed, $failures failed"
[ "$failures" = 0 ]
