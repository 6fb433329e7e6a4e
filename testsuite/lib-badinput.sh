# lib-badinput.sh - helpers for the bad-input sweeps t9000-t9040, sourced
# after testsuite/lib.sh.
#
#   check_run "0 1" objdiff old.o m/new.o.f3 >>failures
#
# runs one tool on one bad input and prints a line (and the tool's
# messages) when the outcome is wrong; the test then compares the
# failures file with /dev/null.  The inputs come from $PROGS/mutate
# (testsuite/progs/mutate.c) over the seeds in $CORPUS_DIR.
#
# Variables:
#   CORPUS_DIR	testsuite/fuzz/corpus (seeds of every fuzz target)
#   sanitized	"yes" when the tools are built with ASan+UBSan (make check
#		SANITIZE=1): valgrind cannot run them, and each run costs
#		tens of milliseconds, so the sweeps make fewer inputs (scaled)
#   BI_BARE	when set, "TOOL: message" (no subject) is a message too: mkpatch
#		ends the refusals of a build with a summary that names no one
#		file ("mkpatch: refusing to build the patch: 2 problems")
#   BI_OUT	when set, the output file of the runs: after an exit 2 neither
#		it nor a temporary BI_OUT.XXXXXX may exist
#   rc		the exit status of the last check_run
#   bad		"yes" when the last check_run printed a wrong outcome

CORPUS_DIR="$IPBP_SRC/testsuite/fuzz/corpus"
BI_BARE=
BI_OUT=
BI_WRAP=
BI_TIMEOUT=10

sanitized=
case "$IPBP_BUILD" in *-san) sanitized=yes ;; esac
grep -q __asan_init "$IPBP_BUILD/objdiff" 2>/dev/null && sanitized=yes
# A sanitizer's report must not pass for a status the tool may return
# (objdiff's 1, "differences"): its exit is 99, like valgrind's below.
if [ -n "$sanitized" ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99:print_stacktrace=1"
fi

# scaled N: N, or a fifth of it (at least 1) in a sanitized build.
scaled() {
	if [ -n "$sanitized" ]; then
		echo $(( $1 / 5 > 0 ? $1 / 5 : 1 ))
	else
		echo "$1"
	fi
}

# check_run CODES COMMAND [ARG...]: runs "timeout 10 COMMAND ARG..." (its
# standard input as given, standard output discarded, standard error in the
# file err).  CODES lists the exit statuses allowed besides 2 ("0", or
# "0 1" for objdiff).  Prints what is wrong, and sets bad=yes, when:
#   - the status is neither 2 nor in CODES: a signal, a timeout (124), a
#     sanitizer's or valgrind's report (99), another status;
#   - anything on standard error looks like a sanitizer's report;
#   - the status is 2 without a message, or with a line that is not
#     "TOOL: SUBJECT: message" (SUBJECT a file, symbol or "warning"), or the
#     two-operand form "TOOL: OLD and NEW are different ..." (objdiff(1));
#   - the status is 2 and $BI_OUT, or a temporary file beside it, exists.
# Returns 0 whatever the outcome, so that a loop of runs goes on and its
# status is that of the other commands: the verdict is what it prints.
check_run() {
	bad=
	_check_run "$@" || bad=yes
	echo $rc >>"$TRASH/outcomes"
	return 0
}

# outcomes_include STATUS...: each STATUS was the exit of a check_run since
# the last call (a sweep that only ever fails, or never does, proves
# little); prints the count of each status.
outcomes_include() {
	sort -n "$TRASH/outcomes" | uniq -c
	for _s in "$@"; do
		grep -q -x "$_s" "$TRASH/outcomes" ||
			{ echo "no run ended in exit $_s"; rm -f "$TRASH/outcomes"; return 1; }
	done
	rm -f "$TRASH/outcomes"
}

_check_run() {
	_codes=$1; shift
	_tool=${1##*/}
	timeout $BI_TIMEOUT $BI_WRAP "$@" >/dev/null 2>err
	rc=$?
	if grep -q -E 'Sanitizer|runtime error:|^==[0-9]+==' err; then
		echo "$*: exit $rc, a sanitizer's or valgrind's report"
		sed -n 1,30p err
		return 1
	fi
	case " $_codes 2 " in
	*" $rc "*) ;;
	*)	case $rc in
		124) echo "$*: timeout" ;;
		*) echo "$*: exit $rc" ;;
		esac
		sed -n 1,10p err
		return 1 ;;
	esac
	[ $rc = 2 ] || return 0
	_n=0
	while IFS= read -r _line; do
		_n=$((_n + 1))
		case $_line in
		"$_tool: "*" and "*" are different "*) ;;
		"$_tool: "*": "?*) ;;
		"$_tool: "[a-zA-Z]?*) [ -n "$BI_BARE" ] ||
			{ echo "$*: message without a subject: $_line"; return 1; } ;;
		*) echo "$*: stray message: $_line"; return 1 ;;
		esac
	done <err
	[ $_n -gt 0 ] || { echo "$*: exit 2 without a message"; return 1; }
	if [ -n "$BI_OUT" ]; then
		for _f in "$BI_OUT" "$BI_OUT".??????; do
			[ ! -e "$_f" ] || { echo "$*: exit 2 left $_f"; return 1; }
		done
	fi
	return 0
}

# vg_start SECONDS: valgrind runs (vg_run) from now on stop after SECONDS.
vg_start() {
	_vg_end=$(($(date +%s) + $1))
	vg_runs=0
}

# vg_run CODES COMMAND [ARG...]: check_run under valgrind (an error is exit
# 99), or nothing once the budget of vg_start is spent.  A tool linked
# statically (patchload) runs as its twin over the shared libc, whose heap
# valgrind can check.
vg_run() {
	[ "$(date +%s)" -lt "$_vg_end" ] || return 0
	vg_runs=$((vg_runs + 1))
	_codes=$1; shift
	_twin=$IPBP_BUILD/testsuite/dynamic/$1
	if [ -x "$_twin" ]; then
		shift
		set -- "$_twin" "$@"
	fi
	BI_WRAP="valgrind -q --error-exitcode=99" BI_TIMEOUT=60
	check_run "$_codes" "$@"
	BI_WRAP= BI_TIMEOUT=10
}

# vg_usable: valgrind can check the tools (installed, not a sanitized build).
vg_usable() {
	[ -z "$sanitized" ] && command -v valgrind >/dev/null 2>&1
}

# vg_skip: test_skip with the reason valgrind is not used.
vg_skip() {
	if [ -n "$sanitized" ]; then
		test_skip 'valgrind: the build is sanitized (ASan checks the same runs)'
	else
		test_skip 'valgrind is not installed'
	fi
}

# split_pair SEED OLD NEW: the two objects of a diff seed (corpus/diff: 4
# bytes, little-endian, the size of OLD; OLD; NEW).
split_pair() {
	_size=$(od -An -tu4 -N4 "$1" | tr -d ' ') &&
	tail -c +5 "$1" | head -c "$_size" >"$2" &&
	tail -c +$((5 + _size)) "$1" >"$3"
}
