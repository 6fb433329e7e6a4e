# lib.sh - sourced by every testsuite/t*.sh script.
#
#   . "$IPBP_SRC/testsuite/lib.sh"
#   test_expect_success 'what it shows' '
#           symgraph a.o >out &&
#           test_cmp expect out
#   '
#   test_done
#
# Each script runs in a fresh scratch directory ($TRASH), with the built
# tools first on PATH.  Each test prints "ok N - what" or "not ok N - what"
# (with its output); test_done prints "N passed, N failed" and exits 1 on
# any failure.  test_skip 'why' skips one test; skip_all 'why' the script.

set -u
: "${IPBP_SRC:?run through make check}"
: "${IPBP_BUILD:?run through make check}"
export LC_ALL=C NO_COLOR=1
TESTNAME=$(basename "$0" .sh)
TRASH="$IPBP_BUILD/testsuite/trash/$TESTNAME"
rm -rf "$TRASH" && mkdir -p "$TRASH" && cd "$TRASH" || exit 1
PROGS="$IPBP_BUILD/testsuite/progs"
FIXTURES="$IPBP_SRC/testsuite/fixtures"
_n=0 _pass=0 _fail=0 _skip=0

test_expect_success() {
	_n=$((_n + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		_pass=$((_pass + 1)); echo "ok $_n - $1"
	else
		_fail=$((_fail + 1)); echo "not ok $_n - $1"
		sed 's/^/#   /' "$TRASH/.out" | tail -40
	fi
}

# Like test_expect_success, for a command that must fail with exit CODE.
test_expect_code() {
	_code=$1; shift
	test_expect_success "$1" "( $2 ); test \$? = $_code"
}

test_skip() {
	_n=$((_n + 1)) _skip=$((_skip + 1))
	echo "ok $_n # skip $1"
}

skip_all() {
	echo "# skip all: $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

# require_ptrace: skips the script unless a process may trace its sibling
# (what patchload does): some kernels (Yama) and containers forbid it.
require_ptrace() {
	sleep 30 &
	_probe=$!
	_why=$("$PROGS/can-ptrace" $_probe 2>&1)
	_ok=$?
	kill $_probe 2>/dev/null
	wait $_probe 2>/dev/null
	[ $_ok = 0 ] || skip_all "this process may not ptrace its sibling ($_why)"
}

# without_notes FILE: FILE without mkpatch's notes ("mkpatch: note: ...",
# such as the one about objects built without debug info).
without_notes() {
	sed '/^mkpatch: note: /d' "$1"
}

test_cmp() {
	diff -u "$1" "$2"
}

# The exit status of the command, without tripping the test.
exit_code() {
	"$@" >/dev/null 2>&1
	echo $?
}

test_done() {
	echo "$_pass passed, $_fail failed, $_skip skipped"
	[ "$_fail" = 0 ]
}
