// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int ipbp_error(struct ipbp_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int ipbp_error_prefix(struct ipbp_err *err, const char *prefix)
{
	char tmp[sizeof(err->msg)];

	if (err) {
		/* A message too long for the buffer is cut, not lost. */
		if (snprintf(tmp, sizeof(tmp), "%s: %s", prefix, err->msg) < 0)
			return -1;
		memcpy(err->msg, tmp, sizeof(tmp));
	}
	return -1;
}
