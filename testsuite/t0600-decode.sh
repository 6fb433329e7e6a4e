#!/bin/sh
# t0600-decode: references the assembler resolved inside one section
# (calls to a static function in the same .text), found by
# obj_decode_references() and printed by `dumpobj --decode`, agree with
# llvm-objdump's disassembly.

. "$IPBP_SRC/testsuite/lib.sh"

command -v llvm-objdump >/dev/null && command -v clang >/dev/null ||
	skip_all 'needs clang and llvm-objdump'

calls=$IPBP_SRC/testsuite/oracle/src/calls.c

# The decoded branches of a dumpobj listing, keyed by where the branch
# instruction ends (field offset + width: branch fields end the
# instruction on x86 and arm64 alike): "SECTION END TARGET+OFF".
cat >decoded.awk <<'EOF'
function hex(s,    i, n) {
	n = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
BEGIN { FS = "\t" }
$1 == "rel" && $10 == "decoded" && $5 == "branch" {
	printf "%s %x %s\n", $2, hex($3) + $6, $9
}
EOF

# The same from `llvm-objdump -r` (first file) and `llvm-objdump -d`
# (second file): every direct branch or call whose bytes carry no
# relocation and whose target leaves the function it is in (or is a call
# to the function's own start: recursion).  Jumps inside one function are
# the function's own bytes and are not decoded (see decode.h).
cat >expected.awk <<'EOF'
function hex(s,    i, n) {
	n = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
FNR == 1 { file++ }
file == 1 && /^RELOCATION RECORDS FOR \[/ {
	sec = $4; sub(/^\[/, "", sec); sub(/\]:$/, "", sec)
	next
}
file == 1 && /^[0-9a-f]+ / { reloc[sec, hex($1)] = 1; next }
file == 1 { next }
/^Disassembly of section / { sec = $4; sub(/:$/, "", sec); next }
/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
{
	n = split($0, part, "\t")
	if (n < 3 || part[1] !~ /^ *[0-9a-f]+:/)
		next
	mnem = part[2]
	if (mnem !~ /^(call|jmp|j[a-z]+|loop|b|b\..*|bl|cbz|cbnz|tbz|tbnz)$/ &&
	    mnem !~ /^(call|jmp)[lqw]$/)
		next
	if (!match(part[3], /0x[0-9a-f]+ <[^>]*>$/))
		next
	split(part[1], word, " ")
	start = hex(substr(word[1], 1, length(word[1]) - 1))
	end = start + (length(word) - 1)
	for (o = start; o < end; o++)
		if ((sec, o) in reloc)
			next
	t = substr(part[3], RSTART, RLENGTH)
	sub(/^0x[0-9a-f]+ </, "", t); sub(/>$/, "", t)
	name = t; off = 0
	if (match(t, /\+0x[0-9a-f]+$/)) {
		name = substr(t, 1, RSTART - 1)
		off = hex(substr(t, RSTART + 3))
	}
	is_call = mnem ~ /^(call|bl)/
	if (name == fn && !(is_call && off == 0))
		next
	printf "%s %x %s+%d\n", sec, end, name, off
}
EOF

for t in x86_64-linux-gnu i686-linux-gnu aarch64-linux-gnu; do
	test_expect_success "$t: decoded calls agree with llvm-objdump" "
		clang -target $t -O2 -c '$calls' -o $t.o &&
		\$PROGS/dumpobj --decode $t.o >$t.dump &&
		awk -f decoded.awk $t.dump | sort >$t.actual &&
		llvm-objdump -r $t.o >$t.relocs &&
		llvm-objdump -d $t.o >$t.disasm &&
		awk -f expected.awk $t.relocs $t.disasm | sort >$t.expect &&
		test_cmp $t.expect $t.actual &&
		grep -q ' leaf+0\$' $t.actual
	"

	test_expect_success "$t: -ffunction-sections leaves nothing to decode" "
		clang -target $t -O2 -ffunction-sections -c '$calls' -o $t.fs.o &&
		\$PROGS/dumpobj --decode $t.fs.o >$t.fs.dump &&
		grep -q '^rel' $t.fs.dump &&
		! grep 'decoded\$' $t.fs.dump
	"

	test_expect_success "$t: --decode adds relocations and nothing else" "
		\$PROGS/dumpobj $t.o >$t.plain &&
		! grep 'decoded\$' $t.plain &&
		grep -v '^rel' $t.plain >plain.rest &&
		grep -v '^rel' $t.dump >dump.rest &&
		test_cmp plain.rest dump.rest
	"
done

# movl $7, counter(%rip) has a 4-byte immediate after the displacement:
# R_X86_64_PC32 .bss+N-8 names counter only when the bias counts to the
# end of the instruction (8), not the end of the field (4).
cat >bias.c <<'EOF'
static int before, counter, after;
void bump(void) { counter = 7; }
int *addrs(int i) { return i ? &before : &after; }
EOF

test_expect_success 'x86-64: a relocated RIP-relative store names its variable' '
	clang -target x86_64-linux-gnu -fPIC -O0 -c bias.c -o bias.o &&
	$PROGS/dumpobj --decode bias.o >bias.dump &&
	awk -F"\t" "\$1 == \"rel\" && \$9 ~ /^counter/ { print \$9 }" bias.dump >actual &&
	echo counter+0 >expect &&
	test_cmp expect actual
'

# Hand-written vector code (OpenSSL's perlasm is full of it) loads its
# constants RIP-relative from the same section, so the assembler leaves no
# relocation.  Each of these instructions refers to the table; llvm-objdump
# shows every one as "# 0x0 <table>".  Capstone 4.0.2 misdecodes the
# vbroadcasti128, vpternlogd and vaesenc encodings and missed those three.
cat >vector.s <<'EOF'
	.text
	.p2align 5
table:
	.quad 0x0706050403020100, 0x0f0e0d0c0b0a0908
	.quad 0x0706050403020100, 0x0f0e0d0c0b0a0908
	.globl mix
	.type mix,@function
mix:
	vbroadcasti128 table(%rip), %ymm11
	vpshufd $0x55, %ymm11, %ymm9
	lea table(%rip), %r10
	vmovdqu64 %ymm16, (%rdi){%k7}
	test %rdx, %rdx
	jne 1f
	vpternlogd $0x96, table(%rip), %zmm1, %zmm2
	vaesenc table(%rip), %ymm1, %ymm2
	sha256rnds2 table(%rip), %xmm1
1:	call helper
	ret
	.size mix, .-mix
	.type helper,@function
helper:
	ret
	.size helper, .-helper
EOF

test_expect_success 'x86-64: vector instructions referring to a local table are decoded' '
	clang -target x86_64-linux-gnu -c vector.s -o vector.o &&
	$PROGS/dumpobj --decode vector.o >vector.dump &&
	awk -F"\t" "\$1 == \"rel\" && \$4 == \"decoded\" { print \$3, \$5, \$9 }" \
		vector.dump >actual &&
	cat >expect <<-\EOF &&
	25 pcrel table+0
	32 pcrel table+0
	47 pcrel table+0
	51 pcrel table+0
	59 pcrel table+0
	5e branch helper+0
	EOF
	test_cmp expect actual &&
	llvm-objdump -d vector.o | grep -c "# 0x0 <table>" >count &&
	echo 5 >expect.count &&
	test_cmp expect.count count
'

test_done
