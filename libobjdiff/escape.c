// SPDX-License-Identifier: MIT
#include <stdbool.h>

#include "escape.h"

static bool needs_escape(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '\\';
}

void text_put_name(FILE *f, const char *s)
{
	const unsigned char *p;

	if (!*s) {
		fputs("\\x00", f);
		return;
	}
	for (p = (const unsigned char *)s; *p && !needs_escape(*p); p++)
		;
	if (!*p) {
		fputs(s, f);	/* the common case: nothing to escape */
		return;
	}
	for (p = (const unsigned char *)s; *p; p++) {
		if (needs_escape(*p))
			fprintf(f, "\\x%02x", *p);
		else
			putc(*p, f);
	}
}

int utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)	/* stops at the NUL: it is no continuation */
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void json_put_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n;

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (*p < 0x80)
			putc(*p, f);
		else if ((n = utf8_seq_len(p)) > 0) {
			fwrite(p, 1, (size_t)n, f);
			p += n - 1;
		} else
			fprintf(f, "\\u%04x", *p);
	}
	putc('"', f);
}
