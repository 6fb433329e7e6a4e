# b-lib.sh - helpers for the patchload end-to-end tests t41*, sourced after
# testsuite/lib.sh.  Every target is a real process started in the
# background; its pid is kept in $TRASH/.pids and the EXIT trap kills every
# one of them, whatever happened.
#
#   pl_start NAME CMD...   runs CMD with stdout in NAME.out, stderr in
#                          NAME.err; its pid in NAME.pid (and in $pid when
#                          called from the script's own shell)
#   pl_await FILE LINE     waits (bounded) until FILE's last line is LINE
#   pl_until COMMAND...    waits (bounded) until COMMAND succeeds
#   pl_maps PID            the process's mappings of patches (/memfd:ipbp:)
#   pl_code PID OUT        the executable's non-writable mappings, their
#                          bytes read from /proc/PID/mem, in OUT
#   pl_alive PID           the process runs (not exited, not a zombie)
#   pl_split_debug FILE DIR
#                          FILE's debug information to DIR/.build-id/xx/
#                          yyyy.debug by its build-id, as a debug package
#                          installs it (patchload --debug-dir=DIR); FILE
#                          stripped

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] ||
	skip_all "patchload needs Linux x86-64"
for t in patchload mkpatch objdiff gcc python3 dd; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done
# Yama: 1 is fine (the targets call prctl(PR_SET_PTRACER_ANY)); 3 forbids
# ptrace for everyone, 2 for all but root.
if [ -r /proc/sys/kernel/yama/ptrace_scope ]; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope)
	[ "$scope" -lt 3 ] || skip_all "ptrace is disabled (Yama ptrace_scope 3)"
	[ "$scope" -lt 2 ] || [ "$(id -u)" = 0 ] ||
		skip_all "ptrace needs root (Yama ptrace_scope $scope)"
fi
# without Yama, a container may still forbid tracing
[ -r /proc/sys/kernel/yama/ptrace_scope ] || require_ptrace

: >"$TRASH/.pids"
pl_kill_all() {
	for p in $(cat "$TRASH/.pids" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
}
trap 'st=$?; pl_kill_all; exit $st' EXIT
trap 'exit 130' INT TERM

pl_start() {
	_name=$1; shift
	"$@" >"$_name.out" 2>"$_name.err" &
	pid=$!
	echo $pid >>"$TRASH/.pids"
	echo $pid >"$_name.pid"
}

# pl_await FILE LINE [TENTHS]: FILE's last line is LINE within TENTHS/10 s
# (default 10 s: generous for a loaded machine, usually milliseconds).
pl_await() {
	_i=0 _max=$((${3:-100} * 10))
	while [ $_i -lt $_max ]; do
		[ "$(tail -n 1 "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
		_i=$((_i + 1))
	done
	echo "timed out waiting for \"$2\" in $1; its last lines:"
	tail -n 5 "$1"
	return 1
}

# pl_until COMMAND...: COMMAND succeeds within 10 s (polled every 10 ms).
pl_until() {
	_i=0
	while [ $_i -lt 1000 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.01
		_i=$((_i + 1))
	done
	echo "timed out waiting for: $*"
	return 1
}

pl_maps() {
	grep '/memfd:ipbp:' "/proc/$1/maps"
}

pl_alive() {
	[ -r "/proc/$1/stat" ] || { echo "process $1 is gone"; return 1; }
	_st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat")
	[ "$_st" != Z ] && [ "$_st" != X ] || { echo "process $1 exited"; return 1; }
}

pl_code() {
	_exe=$(readlink "/proc/$1/exe") &&
	awk -v exe="$_exe" '$6 == exe && $2 !~ /w/ { print $1, $2 }' "/proc/$1/maps" >"$2.ranges" &&
	test -s "$2.ranges" &&
	: >"$2" &&
	while read _range _perm; do
		_lo=$((0x${_range%-*})) _hi=$((0x${_range#*-}))
		echo "$_range $_perm" >>"$2"
		dd if="/proc/$1/mem" iflag=skip_bytes,count_bytes skip=$_lo \
			count=$((_hi - _lo)) bs=65536 2>/dev/null | od -An -tx1 -v >>"$2" || return 1
	done <"$2.ranges"
}

pl_split_debug() {
	_id=$(readelf -n "$1" | sed -n "s/.*Build ID: \([0-9a-f]*\).*/\1/p") &&
	test -n "$_id" &&
	_dir=$2/.build-id/$(echo "$_id" | cut -c1-2) &&
	mkdir -p "$_dir" &&
	objcopy --only-keep-debug "$1" "$_dir/$(echo "$_id" | cut -c3-).debug" &&
	strip "$1"
}
