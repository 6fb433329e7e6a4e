/* SPDX-License-Identifier: MIT */
/*
 * process.h - a running Linux process as patchload sees it (DESIGN.md §7):
 * its memory (through /proc/PID/mem), its mappings (/proc/PID/maps) and,
 * while it is stopped, its threads (ptrace).
 *
 *   process_open(&p, pid)        memory and mappings; nothing is stopped
 *   process_stop(p)              every thread attached and stopped: the set
 *                                is re-scanned until no new thread appears;
 *                                until it runs again, the calling thread
 *                                holds the signals that would end or
 *                                suspend it (SIGINT, SIGTERM, SIGTSTP...)
 *   process_syscall(p, nr, ...)  a system call made by a stopped thread,
 *                                its registers restored exactly afterwards
 *   process_resume(p)            threads detached, running again
 *   process_close(p)
 *
 * The registers are the host's: a process can only be traced by a tracer
 * of its own architecture.  What differs between architectures (the
 * register file, the system call instruction) sits behind struct
 * proc_arch, one file per host (proc-x86_64.c).
 */
#ifndef IPBP_PROCESS_H
#define IPBP_PROCESS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end;
	uint64_t offset;	/* in the file */
	unsigned prot;		/* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;
	uint64_t inode;
	const char *path;	/* "/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]",
				 * "" for anonymous memory; owned */
};

struct thread {
	pid_t tid;
	bool attached;
	int pending_signal;	/* arrived while attached: delivered at detach */
	uint64_t pc, sp;	/* while stopped */
	void *regs;		/* saved registers (struct proc_arch regs_size) */
};

struct process {
	pid_t pid;
	int mem_fd;			/* /proc/PID/mem, read-write */
	struct mapping *maps;		/* sorted by start */
	size_t nr_maps;
	struct thread *threads;		/* while stopped */
	size_t nr_threads;
	bool stopped;
	uint64_t entry;			/* AT_ENTRY: scratch code for syscalls */
	uint64_t syscall_insn;		/* a system call instruction found in the
					 * process, or 0 */
	const struct proc_arch *arch;
	uint64_t stop_ns;		/* from the first thread stopped to the
					 * last one resumed, all stops */
	uint64_t all_stopped_ns;	/* with every thread stopped at once:
					 * from the last one stopped to the first
					 * one resumed, all stops */

	/* Private. */
	uint64_t stopped_at, all_stopped_at;
	size_t cap_threads;
	sigset_t held_from;		/* our signal mask before the stop */
	bool moved_near;		/* tried to keep the borrowed thread
					 * and us on one CPU in this stop */
	pid_t near_tid;			/* the thread kept, */
	void *cpu_masks;		/* our and its own CPU masks, or NULL */
};

/* What ptrace needs per host architecture. */
struct proc_arch {
	const char *name;
	uint16_t machine;		/* ELF e_machine of traced processes */
	size_t regs_size;
	uint8_t syscall_insn[4];	/* bytes of the instruction */
	unsigned syscall_insn_size;
	int (*get_regs)(pid_t tid, void *regs);
	int (*set_regs)(pid_t tid, const void *regs);
	uint64_t (*pc)(const void *regs);
	uint64_t (*sp)(const void *regs);
	/* regs made ready to execute the system call instruction at pc: the
	 * number and up to six arguments set, no restart of an interrupted
	 * call pending */
	void (*set_syscall)(void *regs, uint64_t pc, long nr, const uint64_t args[6]);
	int64_t (*syscall_result)(const void *regs);
	/* regs made ready to call the function at fn with no arguments and
	 * return to address 0 (a fault ends the call); returns the stack
	 * address where the 8-byte return address must be written, or 0 */
	uint64_t (*set_call)(void *regs, uint64_t fn);
};

/* The host's table, or NULL when patchload cannot trace on this host. */
const struct proc_arch *proc_arch_host(void);

int process_open(struct process **out, pid_t pid, struct ipbp_err *err);
void process_close(struct process *p);
/* Re-reads the mappings (they change as the process runs). */
int process_read_maps(struct process *p, struct ipbp_err *err);

int process_read(struct process *p, uint64_t addr, void *buf, size_t len,
		 struct ipbp_err *err);
int process_write(struct process *p, uint64_t addr, const void *buf, size_t len,
		  struct ipbp_err *err);

/* The mapping containing addr, or NULL. */
const struct mapping *process_find_mapping(const struct process *p, uint64_t addr);

int process_stop(struct process *p, struct ipbp_err *err);
int process_resume(struct process *p, struct ipbp_err *err);
/* Lets the stopped process run for about usec microseconds, then stops
 * it again (the same threads, and any new ones). */
int process_run_briefly(struct process *p, unsigned usec, struct ipbp_err *err);

/*
 * Makes system call nr with args in the stopped process (by its first
 * thread) and stores its return value (a negative errno on failure) in
 * *ret.  -1 when the call could not be made at all.
 */
int process_syscall(struct process *p, long nr, const uint64_t args[6], int64_t *ret,
		    struct ipbp_err *err);

/*
 * Calls the function at fn (no arguments) in the stopped process on its
 * first thread, below its stack's red zone, and stores what it returns.
 * For IFUNC resolvers, which only read the CPU's features.
 */
int process_call(struct process *p, uint64_t fn, uint64_t *ret, struct ipbp_err *err);

/* Monotonic nanoseconds, for the timings patchload reports. */
uint64_t process_now_ns(void);

#endif
