#!/bin/sh
# t3120-mkpatch-builds - one small program (testsuite/mkpatch/build-prog.*.c)
# built in every code model mkpatch meets: -O0 and -O2, with and without
# -ffunction-sections -fdata-sections, -fpie, -fno-pie and -fPIC, on ELF
# x86-64 (gcc, clang) and aarch64 (clang -target aarch64-linux-gnu).  Each
# produced patch must be a clean shared object:
#   - mkpatch -o p.so old.o new.o exits 0, nothing on stderr but the note
#     that the objects have no debug info;
#   - it replaces exactly classify and compute and adds added_check;
#   - patchinfo --verify says "p.so: ok";
#   - readelf -a -W exits 0 with nothing on stderr;
#   - objdump -d (llvm-objdump -d for aarch64: binutils here is x86 only)
#     exits 0 and shows each replaced and added function by name;
#   - nm -D lists added_check, the new global function, as defined code;
#   - objdiff's stream gives the same patch, byte for byte: mkpatch -s
#     compares only what the stream names (a diff in focus, over objects
#     whose relocations load on demand) and must find what the whole
#     comparison finds.
# A case mkpatch is known to get wrong is listed in known_bug(): it is run,
# and skipped with the reason while it fails (as in t1100).
. "$IPBP_SRC/testsuite/lib.sh"

SRC="$IPBP_SRC/testsuite/mkpatch"
NORMALIZE="$SRC/normalize-json"
FS="-ffunction-sections -fdata-sections"

for t in objdiff mkpatch patchinfo python3 readelf nm; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

cc_for() {
	case $1 in
	x86_64-gcc)	echo "gcc" ;;
	x86_64-clang)	echo "clang -target x86_64-linux-gnu" ;;
	aarch64)	echo "clang -target aarch64-linux-gnu" ;;
	esac
}

objdump_for() {
	case $1 in
	aarch64)	echo "llvm-objdump" ;;
	*)		echo "objdump" ;;
	esac
}

# build DIR TARGET FLAGS...: DIR/old.o and DIR/new.o from one file name.
build() {
	d=$1 t=$2; shift 2
	rm -rf "$d" && mkdir -p "$d" || return 1
	cp "$SRC/build-prog.orig.c" "$d/prog.c" &&
	echo "# (cd $d && $(cc_for "$t") $* -c prog.c -o old.o)" &&
	(cd "$d" && $(cc_for "$t") "$@" -c prog.c -o old.o) &&
	cp "$SRC/build-prog.patched.c" "$d/prog.c" &&
	(cd "$d" && $(cc_for "$t") "$@" -c prog.c -o new.o)
}

# check DIR TARGET: the patch of DIR's pair, and what the tools say of it.
check() {
	d=$1
	test -f "$d/old.o" && test -f "$d/new.o" || return 1
	(cd "$d" && mkpatch -o p.so old.o new.o 2>err); code=$?
	cat "$d/err"
	[ "$code" = 0 ] && without_notes "$d/err" >"$d/err.warnings" &&
	test_cmp /dev/null "$d/err.warnings" || return 1
	patchinfo --format=json "$d/p.so" | "$NORMALIZE" >"$d/manifest" || return 1
	printf '%s\n' "add func added_check" "replace func classify" "replace func compute" \
		>"$d/funcs.expect"
	grep -E '^(replace|add) func ' "$d/manifest" >"$d/funcs"
	test_cmp "$d/funcs.expect" "$d/funcs" || return 1
	(cd "$d" && patchinfo --verify p.so >verify) &&
	echo "p.so: ok" >"$d/verify.expect" &&
	test_cmp "$d/verify.expect" "$d/verify" || return 1
	readelf -a -W "$d/p.so" >"$d/readelf" 2>"$d/readelf.err" || { cat "$d/readelf.err"; return 1; }
	test_cmp /dev/null "$d/readelf.err" || return 1
	$(objdump_for "$2") -d "$d/p.so" >"$d/dis" 2>"$d/dis.err" || { cat "$d/dis.err"; return 1; }
	test_cmp /dev/null "$d/dis.err" || return 1
	for f in classify compute added_check; do
		grep -q "<$f>:" "$d/dis" || { echo "objdump -d: no <$f>"; return 1; }
	done
	nm -D "$d/p.so" >"$d/nm" || return 1
	grep -Eq '^[0-9a-f]+ T added_check$' "$d/nm" || { cat "$d/nm"; echo "nm -D: no added_check"; return 1; }
	(cd "$d" && objdiff old.o new.o >stream; test $? = 1) &&
	(cd "$d" && mkpatch -s stream -o focus.so old.o new.o 2>/dev/null) &&
	cmp "$d/p.so" "$d/focus.so"
}

# known_bug TARGET FLAGS: why mkpatch is known to fail this build.
known_bug() {
	case "$1:$2" in
	aarch64:*-fPIC*)
		# -fPIC TLS on aarch64 is a TLS descriptor sequence: mkpatch says
		# "compute: relocation R_AARCH64_TLSDESC_ADR_PAGE21 is not
		# supported in patches" (exit 2); x86-64 -fPIC (TLSGD and
		# __tls_get_addr) works.  The NO_TLS build below keeps the rest
		# of -fPIC covered on aarch64.
		case $2 in *NO_TLS*) ;; *)
			echo "known bug: aarch64 -fPIC: R_AARCH64_TLSDESC_* (TLS descriptors) not supported" ;;
		esac ;;
	esac
}

n=0
for t in x86_64-gcc x86_64-clang aarch64; do
	extra=
	[ $t = aarch64 ] && extra=-DNO_TLS
	for o in -O0 -O2; do
		for fs in "" "$FS"; do
			for pic in -fpie -fno-pie -fPIC $extra; do
				[ "$pic" = -DNO_TLS ] && pic="-fPIC -DNO_TLS"
				n=$((n + 1))
				flags="$o $fs $pic"
				build "b$n" "$t" $flags 2>>cc.err
				name="$t $(echo $flags | tr -s ' ')"
				why=$(known_bug "$t" "$flags")
				if [ -n "$why" ] && ! (check "b$n" "$t") >/dev/null 2>&1; then
					test_skip "$name: $why"
					continue
				fi
				test_expect_success "$name${why:+ (known bug fixed: update known_bug)}" \
					"check b$n $t"
			done
		done
	done
done

test_done
