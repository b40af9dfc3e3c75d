#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
# The QEMU guest's tests, run by /init once the kallsyms selftest is done.
# Every check prints one line "KTEST PASS|FAIL <name>: <detail>" that
# tests/kernel/run.sh reads from the serial console.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ok() { echo "KTEST PASS $*"; }
ko() { echo "KTEST FAIL $*"; }
info() { echo "KTEST INFO $*"; }

mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ln -sf /usr/bin/stat /bin/stat
info "kallsyms_rust=$(cat /sys/module/kernel/parameters/kallsyms_rust) kernel $(uname -r)"
K=/lib/klp
# The boot log (selftest lines) now, before the livepatch selftests fill the buffer.
echo "KTEST BOOT DMESG BEGIN"
dmesg
echo "KTEST BOOT DMESG END"

# wait_gone PATH: until PATH disappears (a livepatch's sysfs directory).
wait_gone() {
	i=0
	while [ -e "$1" ]; do
		i=$((i + 1)); [ "$i" -gt 600 ] && return 1; sleep 0.1
	done
}
# wait_patched NAME: until the livepatch NAME finished its transition.
wait_patched() {
	i=0
	while [ "$(cat "/sys/kernel/livepatch/$1/transition" 2>/dev/null)" != 0 ]; do
		i=$((i + 1)); [ "$i" -gt 600 ] && return 1; sleep 0.1
	done
}
# unload NAME MODULE: disable the livepatch NAME and remove MODULE.
unload() {
	echo 0 > "/sys/kernel/livepatch/$1/enabled" && wait_gone "/sys/kernel/livepatch/$1" &&
		rmmod "$2"
}
# c_stop addresses, in /proc/kallsyms (address) order.
c_stops=$(awk '$3 == "c_stop" { print $1 }' /proc/kallsyms | tr '\n' ' ')
info "c_stop in /proc/kallsyms: $c_stops"

# ---- 1. samples/livepatch/livepatch-sample.ko ----------------------------------
before=$(cat /proc/cmdline)
if insmod $K/livepatch-sample.ko && wait_patched livepatch_sample; then
	now=$(cat /proc/cmdline)
	if [ "$now" = "this has been live patched" ]; then
		ok "livepatch-sample: /proc/cmdline reads '$now'"
	else
		ko "livepatch-sample: /proc/cmdline reads '$now'"
	fi
	unload livepatch_sample livepatch_sample
	[ "$(cat /proc/cmdline)" = "$before" ] && ok "livepatch-sample: disabled, /proc/cmdline restored" ||
		ko "livepatch-sample: /proc/cmdline not restored: $(cat /proc/cmdline)"
else
	ko "livepatch-sample: insmod failed"
fi

# ---- 2. klp_sympos.ko: one of the two c_stop(), by old_sympos --------------------
calls() { cat /sys/module/klp_sympos/parameters/calls; }
# sympos_case SYMPOS FILE-THAT-COUNTS FILE-THAT-DOES-NOT
sympos_case() {
	if ! insmod $K/klp_sympos.ko sympos="$1" || ! wait_patched klp_sympos; then
		ko "klp_sympos sympos=$1: insmod failed"; return
	fi
	[ -d "/sys/kernel/livepatch/klp_sympos/vmlinux/c_stop,$1" ] ||
		ko "klp_sympos sympos=$1: no sysfs entry c_stop,$1"
	c0=$(calls)
	cat "$3" > /dev/null
	c1=$(calls)
	out=$(cat "$2")
	c2=$(calls)
	if [ "$c1" = "$c0" ] && [ "$c2" -gt "$c1" ] && [ -n "$out" ]; then
		ok "klp_sympos sympos=$1: reading $2 calls the patched c_stop ($c1 -> $c2), reading $3 does not ($c0 -> $c1)"
	else
		ko "klp_sympos sympos=$1: calls $c0 -> $c1 ($3) -> $c2 ($2), output '$out'"
	fi
	unload klp_sympos klp_sympos || ko "klp_sympos sympos=$1: unload failed"
}
sympos_case 2 /proc/consoles /proc/cpuinfo
sympos_case 1 /proc/cpuinfo /proc/consoles
# No copy chosen, or a copy that is not there: the livepatch core refuses.
for bad in 0 3; do
	if insmod $K/klp_sympos.ko sympos=$bad 2>/dev/null; then
		ko "klp_sympos sympos=$bad: loaded"
		unload klp_sympos klp_sympos
	else
		msg=$(dmesg | grep -E "livepatch: (unresolvable ambiguity for symbol 'c_stop'|symbol position $bad for symbol 'c_stop')" | tail -1)
		[ -n "$msg" ] && ok "klp_sympos sympos=$bad: refused: ${msg#*] }" ||
			ko "klp_sympos sympos=$bad: refused without the expected message"
	fi
done

# ---- 3. klp_sym.ko: a .klp.sym.vmlinux.c_stop,2 relocation -------------------------
if insmod $K/klp_sym.ko && wait_patched klp_sym; then
	got=$(sed -n 's/^klp_sym: c_stop,2 at //p' /proc/cmdline)
	want=$(echo "$c_stops" | awk '{ print $2 }')
	if [ -n "$got" ] && [ "$(printf '%016x' "0x$got")" = "$want" ]; then
		ok "klp_sym: .klp.sym.vmlinux.c_stop,2 resolved to $got, the second c_stop of /proc/kallsyms"
	else
		ko "klp_sym: .klp.sym.vmlinux.c_stop,2 resolved to '$got', /proc/kallsyms has: $c_stops"
	fi
	unload klp_sym klp_sym || ko "klp_sym: unload failed"
else
	ko "klp_sym: insmod failed"
fi

# ---- 4. tools/testing/selftests/livepatch ---------------------------------------------
if [ -d /selftests/livepatch ]; then
	cd /selftests/livepatch || exit 1
	for t in test-*.sh; do
		t0=$(cut -d. -f1 /proc/uptime)
		bash "./$t" > "/tmp/$t.out" 2>&1
		rc=$?
		t1=$(cut -d. -f1 /proc/uptime)
		case $rc in
		0) echo "KTEST SELFTEST PASS $t ($((t1 - t0)) s)" ;;
		4) echo "KTEST SELFTEST SKIP $t: $(tail -1 "/tmp/$t.out")" ;;
		*) echo "KTEST SELFTEST FAIL $t (rc $rc)"; sed 's/^/KTEST |   /' "/tmp/$t.out" | tail -40 ;;
		esac
	done
	cd /
fi

# ---- the kernel log, for run.sh's warning check ---------------------------------------
echo "KTEST DMESG BEGIN"
dmesg
echo "KTEST DMESG END"
