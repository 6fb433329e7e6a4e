// SPDX-License-Identifier: MIT
/*
 * stopwatch - the wall time of one command or pipeline, without the
 * millisecond a shell's `date +%s%N` adds around it (bench/patchload-bench,
 * demo/run).
 *
 *   stopwatch [-o FILE] [-k PID] [-1] [--] CMD [ARG]... ['|' CMD [ARG]...]...
 *
 * Runs the commands as a pipeline (a lone '|' argument separates them),
 * waits for all of them and appends the elapsed time in nanoseconds, one
 * decimal number and a newline, to FILE (default: standard error).  The
 * clock starts before the first fork and stops when the last command has
 * been reaped.
 *
 *   -k PID   first send SIGTERM to PID and wait until it has exited (it
 *            may be another process's child: exited, not reaped); timed
 *   -1       stop the clock at the first line the last command writes
 *            (copied to standard output), then kill the pipeline: how
 *            long until a program is up
 *
 * Exit status: the last command's (127 when it could not be run), or 2
 * for stopwatch's own trouble; with -1, 0 once a line was read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

struct pipeline {
	char **argv[MAX_CMDS];
	pid_t pids[MAX_CMDS];
	int nr;
	int out_fd;		/* -1: the last command writes to our stdout */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what)
{
	fprintf(stderr, "stopwatch: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Splits argv at lone "|" arguments; the separators become NULLs. */
static int split_pipeline(struct pipeline *pl, char **argv)
{
	pl->nr = 0;
	pl->argv[pl->nr++] = argv;
	for (char **a = argv; *a; a++) {
		if (strcmp(*a, "|"))
			continue;
		*a = NULL;
		if (pl->nr == MAX_CMDS || !a[1] || a == pl->argv[pl->nr - 1])
			return -1;
		pl->argv[pl->nr++] = a + 1;
	}
	return pl->argv[pl->nr - 1][0] ? 0 : -1;
}

static void run_child(char **argv, int in, int out)
{
	if (in >= 0 && (dup2(in, 0) < 0 || close(in) < 0))
		_exit(127);
	if (out >= 0 && (dup2(out, 1) < 0 || close(out) < 0))
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "stopwatch: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Starts every command; with capture, the last one's stdout is a pipe
 * read through pl->out_fd. */
static void start_pipeline(struct pipeline *pl, bool capture)
{
	int in = -1;

	pl->out_fd = -1;
	for (int i = 0; i < pl->nr; i++) {
		int fds[2] = { -1, -1 };
		bool last = i == pl->nr - 1;

		if ((!last || capture) && pipe2(fds, O_CLOEXEC) < 0)
			fail("pipe");
		pl->pids[i] = fork();
		if (pl->pids[i] < 0)
			fail("fork");
		if (pl->pids[i] == 0)
			run_child(pl->argv[i], in, fds[1]);
		if (in >= 0)
			close(in);
		if (fds[1] >= 0)
			close(fds[1]);
		in = fds[0];
	}
	pl->out_fd = in;
}

/* Waits for every command; returns the last one's exit status. */
static int wait_pipeline(struct pipeline *pl)
{
	int status = 0, ret = 2;

	for (int i = 0; i < pl->nr; i++) {
		while (waitpid(pl->pids[i], &status, 0) < 0)
			if (errno != EINTR)
				fail("waitpid");
		if (i == pl->nr - 1)
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return ret;
}

/* Copies the first line of fd to stdout; true when one was read. */
static bool read_first_line(int fd)
{
	char c;
	ssize_t n;

	while ((n = read(fd, &c, 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		putchar(c);
		if (c == '\n')
			return true;
	}
	return false;
}

/* Sends SIGTERM to pid and waits until it has exited. */
static void stop_process(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p;

	if (fd < 0)
		fail("pidfd_open");
	if (kill(pid, SIGTERM) < 0)
		fail("kill");
	p.fd = fd;
	p.events = POLLIN;
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			fail("poll");
	close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: stopwatch [-o FILE] [-k PID] [-1] [--] CMD [ARG]... "
		"['|' CMD [ARG]...]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct pipeline pl;
	const char *out = NULL;
	bool first_line = false;
	pid_t victim = 0;
	uint64_t start, ns;
	FILE *f = stderr;
	int c, ret;

	while ((c = getopt(argc, argv, "+o:k:1")) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'k': victim = (pid_t)atoi(optarg); break;
		case '1': first_line = true; break;
		default: usage();
		}
	}
	if (optind == argc || split_pipeline(&pl, argv + optind) < 0 || victim < 0)
		usage();
	if (out && !(f = fopen(out, "a")))
		fail(out);

	start = now_ns();
	if (victim)
		stop_process(victim);
	start_pipeline(&pl, first_line);
	if (first_line) {
		ret = read_first_line(pl.out_fd) ? 0 : 1;
		ns = now_ns() - start;
		fflush(stdout);
		for (int i = 0; i < pl.nr; i++)
			kill(pl.pids[i], SIGKILL);
		wait_pipeline(&pl);
	} else {
		ret = wait_pipeline(&pl);
		ns = now_ns() - start;
	}
	fprintf(f, "%llu\n", (unsigned long long)ns);
	if (f != stderr && fclose(f) != 0)
		fail(out);
	return ret;
}
