#!/bin/sh
# make install puts tools, man pages, libraries, headers and a pkg-config
# file where a packager expects them, and a program builds against them.
. "$IPBP_SRC/testsuite/lib.sh"

root=$TRASH/root
san=
case "$IPBP_BUILD" in *-san) san="-fsanitize=address,undefined" ;; esac

test_expect_success 'make install into a DESTDIR' '
	make -s -C "$IPBP_SRC" B="$IPBP_BUILD" install DESTDIR="$root" PREFIX=/usr >/dev/null &&
	test -x "$root/usr/bin/symgraph" &&
	test -f "$root/usr/share/man/man1/symgraph.1" &&
	test -f "$root/usr/lib/libobjdiff.a" &&
	test -f "$root/usr/lib/libobjdiff.so.0" &&
	test -f "$root/usr/include/ipbp/obj.h" &&
	test -f "$root/usr/include/ipbp/objfile.h" &&
	test -f "$root/usr/lib/pkgconfig/libobjdiff.pc"
'

test_expect_success 'every installed header compiles on its own, internal ones stay out' '
	test ! -e "$root/usr/include/ipbp/diff-int.h" &&
	test ! -e "$root/usr/include/ipbp/elf-reloc.h" &&
	for h in "$root"/usr/include/ipbp/*.h; do
		echo "#include <$(basename "$h")>" >h.c &&
		cc -std=gnu11 -Wall -Werror -c h.c -o h.o -I"$root/usr/include/ipbp" \
			$(pkg-config --cflags capstone) || { echo "$h"; exit 1; }
	done
'

cat >prog.c <<'PROG'
#include <stdio.h>
#include <objfile.h>

int main(int argc, char **argv)
{
	struct objfile *file;
	struct ipbp_err err;
	struct obj *obj;

	if (objfile_open(&file, argv[1], NULL, &err) < 0) {
		fprintf(stderr, "prog: %s\n", err.msg);
		return 2;
	}
	for_each_obj(file, obj)
		printf("%s %s %zu\n", obj->name, obj_format_name(obj->format), obj->nr_symbols > 0 ? (size_t)1 : 0);
	objfile_free(file);
	return 0;
}
PROG

pc() {
	PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config "$@"
}

# The archive itself, then what the .pc file says it needs (--static: its
# private requirements and libraries).
test_expect_success 'a program builds with pkg-config against the static library' '
	cc $san -o prog-static prog.c $(pc --cflags libobjdiff) "$root/usr/lib/libobjdiff.a" \
		$(pc --static --libs libobjdiff | sed "s/ -lobjdiff / /") &&
	./prog-static prog-static >out &&
	echo "prog-static elf 1" >expect &&
	test_cmp expect out
'

test_expect_success 'and against the shared library' '
	cc $san -o prog-shared prog.c $(pc --cflags --libs libobjdiff) &&
	LD_LIBRARY_PATH="$root/usr/lib" ./prog-shared prog-shared >out &&
	echo "prog-shared elf 1" >expect &&
	test_cmp expect out
'

test_done
