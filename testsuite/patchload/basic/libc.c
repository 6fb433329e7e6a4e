/*
 * libc.c - measure() reads one byte of its argument; libc.new.c calls
 * strlen and memchr (IFUNCs in glibc) and strtol, which the program
 * never called: built with -fno-builtin, the calls stay calls.  main() is
 * in libc-main.c, as in a program of several files.
 */
#include "libc.h"

char input[] = "abcd-77";
int calls;	/* keeps measure() longer than the 5-byte jump */

int measure(const char *s)
{
	calls++;
	return s[0];
}
