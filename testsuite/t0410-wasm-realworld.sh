#!/bin/sh
# t0410-wasm-realworld - the Wasm reader on objects nobody here wrote: every
# member of wasi-libc's libc.a (Debian package wasi-libc) reads without
# error, and each member's defined symbols are the ones llvm-nm lists
# (llvm-nm --defined-only also lists section symbols, as "d"; so do we, as
# SYMK_SECTION).  Our synthetic "type:..." symbols (TYPE_INDEX relocation
# targets, not in the file) are left out.  Members are compared in archive
# order, so duplicate member names stay apart.
. "$IPBP_SRC/testsuite/lib.sh"

LIBC=/usr/lib/wasm32-wasi/libc.a
[ -r "$LIBC" ] || skip_all "$LIBC missing (Debian package wasi-libc)"
command -v llvm-nm >/dev/null || skip_all 'llvm-nm missing'

test_expect_success 'every member of libc.a reads without error' '
	"$PROGS/dumpobj" "$LIBC" >dump 2>err &&
	test ! -s err &&
	grep "^obj	" dump | cut -f3 | sort -u >formats &&
	echo wasm >expect && test_cmp expect formats &&
	test $(grep -c "^obj	" dump) -ge 500
'

# "member count" per member, in archive order.
test_expect_success 'defined symbols per member: the names llvm-nm lists' '
	llvm-nm --defined-only "$LIBC" | awk "
		/^\$/ { next }
		/:\$/ { if (m != \"\") print m, n; m = \$0; sub(/:\$/, \"\", m); n = 0; next }
		{ n++ }
		END { if (m != \"\") print m, n }" >expect &&
	awk -F"\t" "
		\$1 == \"obj\" { if (m != \"\") print m, n; m = \$2; sub(/.*\\(/, \"\", m); sub(/\\)\$/, \"\", m); n = 0 }
		\$1 == \"sym\" && \$9 !~ /u/ && \$2 !~ /^type:/ { n++ }
		END { if (m != \"\") print m, n }" dump >actual &&
	test $(wc -l <expect) -ge 500 &&
	test_cmp expect actual
'

test_expect_success 'the same names, member by member' '
	llvm-nm --defined-only "$LIBC" | awk "
		/^\$/ { next }
		/:\$/ { m = \$0; sub(/:\$/, \"\", m); next }
		{ print m, \$NF }" | sort >expect &&
	awk -F"\t" "
		\$1 == \"obj\" { m = \$2; sub(/.*\\(/, \"\", m); sub(/\\)\$/, \"\", m) }
		\$1 == \"sym\" && \$9 !~ /u/ && \$2 !~ /^type:/ { print m, \$2 }" dump | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'relocations: as many in all as llvm-objdump -r lists' '
	llvm-objdump -r "$LIBC" | grep -c "^[0-9a-f]* R_WASM_" >expect &&
	grep -c "^rel	" dump >actual &&
	test_cmp expect actual
'

test_done
