#!/bin/sh
# scripts/ensure-deps: nothing to do when every package is there; as a
# user, the exact apt-get line and exit 2; as root, apt-get installs what
# is missing.  id, dpkg-query and apt-get are stand-ins on PATH.
. "$IPBP_SRC/testsuite/lib.sh"

mkdir bin
cat >bin/dpkg-query <<'STUB'
#!/bin/sh
# every package installed except those in $MISSING
for p; do :; done
case " $MISSING " in *" $p "*) exit 1 ;; esac
printf 'install ok installed'
STUB
cat >bin/id <<'STUB'
#!/bin/sh
echo "$FAKE_UID"
STUB
cat >bin/apt-get <<'STUB'
#!/bin/sh
echo "apt-get $*" >>"$APT_LOG"
STUB
chmod +x bin/*
deps() {
	PATH="$TRASH/bin:$PATH" APT_LOG="$TRASH/apt.log" "$IPBP_SRC/scripts/ensure-deps"
}

test_expect_success 'everything installed: nothing to do' '
	MISSING= FAKE_UID=1000 deps >out 2>err &&
	test ! -s out && test ! -s err && test ! -e apt.log
'

test_expect_code 2 'a user is told the exact apt-get line' '
	MISSING="wabt check" FAKE_UID=1000 deps 2>err
'
test_expect_success '... which names what is missing' '
	grep -x "ensure-deps: run as root:  apt-get update && apt-get install -y check wabt" err &&
	test ! -e apt.log
'

test_expect_success 'root installs what is missing' '
	MISSING="wabt" FAKE_UID=0 deps 2>err &&
	grep -x "apt-get update -qq" apt.log &&
	grep -x "apt-get install -y -qq --no-install-recommends wabt" apt.log
'

test_done
