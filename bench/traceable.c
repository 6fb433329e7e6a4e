// SPDX-License-Identifier: MIT
/*
 * traceable - run a program that patchload may trace, and that ends with
 * the shell that started it (demo/run, bench/patchload-bench).
 *
 *   traceable PROGRAM [ARG]...
 *
 * Under kernel.yama.ptrace_scope=1 (Ubuntu's default) a process may only
 * ptrace its descendants, and patchload is not an ancestor of a program
 * the demo started: it is a sibling.  PR_SET_PTRACER_ANY lifts that for
 * this one program, as ptrace_scope=0 would for all; without Yama the
 * call fails, which is ignored.  patchload itself needs no cooperation
 * from the programs it patches where it may trace them (same user and
 * ptrace_scope 0, or CAP_SYS_PTRACE): see patchload(1).
 *
 * PR_SET_PDEATHSIG kills the program when its parent, the script, ends:
 * its EXIT trap kills the program too, but a shell killed by a signal it
 * cannot trap, or caught between a fork and an exec, runs no trap.
 * Both settings survive exec.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t parent = getppid();

	if (argc < 2) {
		fprintf(stderr, "usage: traceable PROGRAM [ARG]...\n");
		return 2;
	}
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		return 1;	/* the parent is gone already */
	execv(argv[1], argv + 1);
	fprintf(stderr, "traceable: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
