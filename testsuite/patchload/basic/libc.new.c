/*
 * libc.c, edited: measure("abcd-77") is strlen 7, '-' at 4, strtol "77":
 * 7 * 10000 + 4 * 100 + 77 = 70477.
 */
#include <stdlib.h>
#include <string.h>

#include "libc.h"

char input[] = "abcd-77";
int calls;	/* keeps measure() longer than the 5-byte jump */

int measure(const char *s)
{
	const char *dash = memchr(s, '-', strlen(s));

	calls++;
	return (int)strlen(s) * 10000 + (int)(dash - s) * 100 + (int)strtol(dash + 1, NULL, 10);
}
