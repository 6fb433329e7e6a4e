#!/bin/sh
# t1050-objdiff-disasm - objdiff -d: under each changed symbol's stream
# line, the aligned instruction diff of the function (libobjdiff/disasm.h):
#
#   - only the differing lines, with up to three lines of context, under
#     "@@ -OLDPOS +NEWPOS @@" hunk headers;
#   - relocation targets by name ("callq ext_b"), strings as literals,
#     branches inside the function as labels;
#   - added and removed functions listed whole, all "+" or all "-";
#   - every detail line starts with a blank, so that the stream without
#     them is exactly what objdiff prints without -d.
. "$IPBP_SRC/testsuite/lib.sh"

command -v clang >/dev/null || skip_all 'clang not found'

# exits N COMMAND...: succeeds when COMMAND exits with N.
exits() {
	_want=$1
	shift
	"$@"
	test $? = "$_want"
}

cat >old.c <<'EOF_C'
extern void ext_a(int);
extern void ext_b(int);
static int counter;
int tick(int x) { counter += x; if (x > 1) ext_a(x); return counter; }
int keep(int x) { return x * 2; }
const char *greet(void) { return "hello"; }
int gone(void) { return 7; }
EOF_C
cat >new.c <<'EOF_C'
extern void ext_a(int);
extern void ext_b(int);
static int counter;
int tick(int x) { counter += x; if (x > 1) ext_b(x); return counter; }
int keep(int x) { return x * 2; }
const char *greet(void) { return "hello, world"; }
int fresh(int x) { return x > 3 ? x : -x; }
EOF_C

CC="clang -target x86_64-linux-gnu -O1 -c"

test_expect_success 'build the pair' '
	$CC old.c -o old.o &&
	$CC new.c -o new.o
'

test_expect_success 'objdiff -d shows the differing instructions' '
	cat >expect <<-\EOF_X &&
	# objdiff 1
	--- old.o
	+++ new.o
	~ func tick 25 25 relocs
	  @@ -tick+0x1 +tick+0x1 @@
	        addl    %edi, counter(%rip)
	        cmpl    $2, %edi
	        jl      .L0
	  -     callq   ext_a
	  +     callq   ext_b
	    .L0:
	        movl    counter(%rip), %eax
	        popq    %rcx
	~ func greet 8 8 relocs
	  @@ -greet+0x0 +greet+0x0 @@
	  -     leaq    "hello"(%rip), %rax
	  +     leaq    "hello, world"(%rip), %rax
	        retq
	+ func fresh - 11
	  @@ +fresh+0x0 @@
	  +     movl    %edi, %eax
	  +     negl    %eax
	  +     cmpl    $4, %edi
	  +     cmovgel %edi, %eax
	  +     retq
	- func gone 6 -
	  @@ -gone+0x0 @@
	  -     movl    $7, %eax
	  -     retq
	EOF_X
	exits 1 objdiff -d old.o new.o >out &&
	test_cmp expect out
'

test_expect_success 'without its detail lines, the -d stream is the plain stream' '
	exits 1 objdiff old.o new.o >plain &&
	exits 1 objdiff --disassemble old.o new.o >detailed &&
	grep -v "^[ 	]" detailed >stripped &&
	test_cmp plain stripped &&
	grep "^[ 	]" detailed >details &&
	test $(wc -l <details) -gt 10
'

test_expect_success 'objdiff -d prints no detail for an unchanged pair' '
	objdiff -d old.o old.o >out &&
	! grep "^[ 	]" out
'

test_expect_success 'objdiff -d over other architectures and Wasm' '
	for t in i686-linux-gnu aarch64-linux-gnu wasm32; do
		clang -target $t -O1 -c old.c -o old-$t.o &&
		clang -target $t -O1 -c new.c -o new-$t.o &&
		exits 1 objdiff -d old-$t.o new-$t.o >out-$t &&
		grep -q "^  - .*ext_a\$" out-$t &&
		grep -q "^  + .*ext_b\$" out-$t &&
		grep -q "^  +  *[a-z].*\"hello, world\"" out-$t &&
		! grep -v "^[~+#-]" out-$t | grep -v "^  " || return 1
	done
'

test_done
