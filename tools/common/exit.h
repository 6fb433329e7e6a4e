/* SPDX-License-Identifier: MIT */
/*
 * exit.h - the exit statuses of every ipbp tool, as in diff(1) and cmp(1).
 * Each tool's man page documents which of them it uses.
 */
#ifndef IPBP_EXIT_H
#define IPBP_EXIT_H

enum exit_status {
	EXIT_SAME = 0,		/* success; for comparisons: no differences */
	EXIT_DIFFERENT = 1,	/* comparisons: differences found */
	EXIT_TROUBLE = 2,	/* usage error, bad input, failed output */
};

#endif
