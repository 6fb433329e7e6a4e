// SPDX-License-Identifier: MIT
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

/* libsupc++'s, declared in <cxxabi.h>, which is C++ only. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *sym_demangle(const char *name)
{
	int status;

	if (!strncmp(name, "__Z", 3))	/* Mach-O: every C name has a '_' more */
		name++;
	if (strncmp(name, "_Z", 2))
		return NULL;
	return __cxa_demangle(name, NULL, NULL, &status);
}

void text_put_demangled(FILE *f, const char *name)
{
	char *d = name ? sym_demangle(name) : NULL;

	if (!d)
		return;
	fputs(" # ", f);
	for (const unsigned char *p = (const unsigned char *)d; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			fprintf(f, "\\x%02x", *p);
		else
			putc(*p, f);
	}
	free(d);
}
