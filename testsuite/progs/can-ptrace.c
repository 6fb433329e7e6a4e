// SPDX-License-Identifier: MIT
/*
 * can-ptrace PID - exit 0 when this process may attach to PID with ptrace
 * (as patchload must), 1 with the reason otherwise: lets the patchload
 * tests skip, not fail, where the kernel or a container forbids tracing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: can-ptrace PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		printf("ptrace: %s\n", strerror(errno));
		return 1;
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	return 0;
}
