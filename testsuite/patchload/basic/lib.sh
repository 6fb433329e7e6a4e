# lib.sh - helpers for the patchload end-to-end tests t4000 and t4010,
# sourced after testsuite/lib.sh.
#
# A fixture program NAME (NAME.c here, and NAME.new.c, the same file
# edited) loops forever, printing one line per turn, ending in ";", about
# 500 lines a second, to NAME.out.  A test starts it, waits until its
# last line shows what the code it runs must print (await: polls for at
# most 5 s, never a bare sleep), patches it, waits for the new line, and
# so on.  Every program started is killed when its test ends, and when
# the script exits, whatever happened.

BASIC="$IPBP_SRC/testsuite/patchload/basic"
MEMSUM="$PROGS/patchload-memsum"

[ "$(uname -s -m)" = "Linux x86_64" ] || skip_all "patchload runs on Linux x86-64"
require_ptrace
for t in cc objdiff mkpatch patchload "$MEMSUM"; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t not found"
done

# stop_targets: kills every program a test started (even stopped ones).
stop_targets() {
	[ -f "$TRASH/pids" ] || return 0
	while read -r _p; do
		kill -KILL "$_p" 2>/dev/null
	done <"$TRASH/pids"
	rm -f "$TRASH/pids"
}
trap stop_targets EXIT
trap 'stop_targets; exit 1' HUP INT TERM

# run COMMAND...: prints the command, then runs it.
run() {
	echo "# $*"
	"$@"
}

# build NAME [CFLAGS...]: what a user does, in the current directory, from
# one file name NAME.c: NAME.old.o, the program NAME (with NAME-main.c
# when there is one), NAME.c edited into NAME.new.c and compiled to
# NAME.new.o, and objdiff NAME.old.o NAME.new.o | mkpatch -o NAME.so.
build() {
	_name=$1; shift
	_main=
	if [ -f "$BASIC/$_name-main.c" ]; then
		cp "$BASIC/$_name-main.c" "$BASIC/$_name.h" . &&
		run cc "$@" -c "$_name-main.c" -o "$_name-main.o" || return 1
		_main=$_name-main.o
	fi
	cp "$BASIC/$_name.c" "$_name.c" &&
	run cc "$@" -c "$_name.c" -o "$_name.old.o" &&
	run cc "$@" -o "$_name" "$_name.old.o" $_main &&
	cp "$BASIC/$_name.new.c" "$_name.c" &&
	run cc "$@" -c "$_name.c" -o "$_name.new.o" &&
	echo "# objdiff $_name.old.o $_name.new.o | mkpatch -o $_name.so" &&
	{ objdiff "$_name.old.o" "$_name.new.o"; test $? = 1; } >"$_name.stream" &&
	mkpatch -o "$_name.so" <"$_name.stream"
}

# start NAME: runs ./NAME in the background, output in NAME.out, its pid
# in NAME.pid.
start() {
	./"$1" >"$1.out" 2>"$1.err" </dev/null &
	echo $! >"$1.pid"
	echo $! >>"$TRASH/pids"
}

# pid_of NAME
pid_of() {
	cat "$1.pid"
}

# proc_state PID: its state letter (R, S, T, Z...), empty when gone.
proc_state() {
	sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null
}

# stays_stopped PID: the process is back in its stop (T) within a second.
# Right after patchload detaches, a thread of a stopped process shows R
# while the kernel puts it back into the group stop (no user code runs).
stays_stopped() {
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(proc_state $1)" = T ] && return 0
		sleep 0.1
	done
	echo "process $1 is in state $(proc_state $1), not stopped"
	return 1
}

# alive NAME: the program still runs (did not crash).
alive() {
	case $(proc_state "$(pid_of "$1")") in
	''|Z|X)	echo "$1 is dead; its stderr:"; cat "$1.err"; return 1 ;;
	esac
}

# await NAME REGEX: waits until the last line NAME printed matches REGEX
# (grep -E); at most 5 s.
await() {
	_i=0
	while [ $_i -lt 500 ]; do
		tail -n 1 "$1.out" | grep -q -E "$2" && return 0
		alive "$1" || return 1
		sleep 0.01
		_i=$((_i + 1))
	done
	echo "timed out waiting for /$2/ from $1; its last lines:"
	tail -n 3 "$1.out"
	return 1
}

# await_lines NAME N: waits until NAME printed N lines or more; at most 5 s.
await_lines() {
	_i=0
	while [ "$(wc -l <"$1.out")" -lt "$2" ]; do
		alive "$1" || return 1
		[ $_i -lt 500 ] || { echo "$1 printed less than $2 lines in 5 s"; return 1; }
		sleep 0.01
		_i=$((_i + 1))
	done
}

# stop NAME: kill -STOP, and waits until it is stopped.
stop() {
	_pid=$(pid_of "$1")
	kill -STOP "$_pid" || return 1
	_i=0
	while [ "$(proc_state "$_pid")" != T ]; do
		[ $_i -lt 500 ] || { echo "$1 does not stop"; return 1; }
		sleep 0.01
		_i=$((_i + 1))
	done
}

# finish NAME: the program is still alive; kills it.
finish() {
	alive "$1" && kill -KILL "$(pid_of "$1")"
}

# phases FILE OLD_RE NEW_RE: the kinds of the complete lines of FILE in
# order, one line per run of the same kind: "old", "new", or the line
# itself when it matches neither.
phases() {
	grep ';$' "$1" | awk -v old="$2" -v new="$3" '
		{ kind = $0 ~ old ? "old" : $0 ~ new ? "new" : $0 }
		kind != last { print kind; last = kind }'
}

# counts FILE: the lines state.c printed count on, the four counts of step():
# g from 1 up by one a line, s, l and t 1000, 2000 and 3000 above it, and
# sum (new code) their sum.  Prints the first line that does not.
counts() {
	grep ';$' "$1" | awk '
		{
			for (i = 2; i <= NF; i++) {
				split($i, kv, "="); sub(/;$/, "", kv[2]); v[kv[1]] = kv[2] + 0
			}
			ok = v["g"] == NR && v["s"] == v["g"] + 1000 &&
				v["l"] == v["g"] + 2000 && v["t"] == v["g"] + 3000
			if ($1 == "new")
				ok = ok && v["sum"] == v["g"] + v["s"] + v["l"] + v["t"]
			if (!ok) { print "line " NR ": " $0; exit 1 }
		}'
}
