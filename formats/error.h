/* SPDX-License-Identifier: MIT */
/*
 * error.h - errors as values.
 *
 * Library functions never print or exit: they return a negative value and
 * leave a message in a struct ipbp_err that the caller owns.  Messages
 * follow the tools' style: the subject first ("lib.a(x.o): section 7
 * extends past end of file"), lowercase, no final period.
 */
#ifndef IPBP_ERROR_H
#define IPBP_ERROR_H

struct ipbp_err {
	char msg[512];
};

/* Formats the message into err (if not NULL) and returns -1. */
int ipbp_error(struct ipbp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the message already in err; returns -1. */
int ipbp_error_prefix(struct ipbp_err *err, const char *prefix);

#endif
