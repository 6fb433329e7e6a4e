// SPDX-License-Identifier: MIT
/*
 * process.c - memory, mappings and threads of a running process.
 *
 * Threads are attached with PTRACE_SEIZE and stopped with
 * PTRACE_INTERRUPT, so no signal is sent that the program could see; a
 * signal that arrives while we hold the thread is kept and delivered at
 * detach.  Memory goes through /proc/PID/mem, which writes read-only code
 * pages too (copy-on-write, as a debugger's breakpoints do).
 */
#define _GNU_SOURCE	/* memmem */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process.h"
#include "util-int.h"

#define MAX_THREADS	65536
#define STOP_SCANS	100	/* re-scans of the thread list before giving up */

uint64_t process_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int os_error(struct ipbp_err *err, pid_t pid, const char *what, int e)
{
	if (e == ESRCH || e == ENOENT)
		return ipbp_error(err, "process %d: no such process", (int)pid);
	if (e == EPERM || e == EACCES)
		return ipbp_error(err, "process %d: %s: %s (patchload needs ptrace access: "
				  "the same user, and kernel.yama.ptrace_scope 0 or "
				  "CAP_SYS_PTRACE; see patchload(1))", (int)pid, what, strerror(e));
	return ipbp_error(err, "process %d: %s: %s", (int)pid, what, strerror(e));
}

/* ---- mappings ---------------------------------------------------------- */

static void free_maps(struct process *p)
{
	for (size_t i = 0; i < p->nr_maps; i++)
		free((char *)p->maps[i].path);
	free(p->maps);
	p->maps = NULL;
	p->nr_maps = 0;
}

/* A number in base (10 or 16), then the character stop; *s moves past
 * both.  By hand: strtoull() costs ten times as much. */
static bool take_number(const char **s, unsigned base, char stop, unsigned long long *v)
{
	const char *p = *s;
	unsigned long long n = 0;
	int d;

	for (; (d = hex_digit(*p)) >= 0 && d < (int)base; p++) {
		if (n > (ULLONG_MAX - (unsigned)d) / base)
			return false;
		n = n * base + (unsigned)d;
	}
	if (p == *s || *p != stop)
		return false;
	*v = n;
	*s = p + 1;
	return true;
}

/* "start-end perms offset major:minor inode   path" up to eol (a newline
 * or the NUL at the end), path maybe empty. */
static int parse_map_line(const char *line, const char *eol, struct mapping *m)
{
	const char *s = line, *perms;
	unsigned long long start, end, off, dev, inode;

	if (!take_number(&s, 16, '-', &start) || !take_number(&s, 16, ' ', &end) ||
	    eol - s < 5 || s[4] != ' ')
		return -1;
	perms = s;
	s += 5;
	if (!take_number(&s, 16, ' ', &off) || !take_number(&s, 16, ':', &dev) ||
	    !take_number(&s, 16, ' ', &dev))
		return -1;
	if (!take_number(&s, 10, ' ', &inode) && !take_number(&s, 10, *eol, &inode))
		return -1;
	while (s < eol && *s == ' ')
		s++;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->inode = inode;
	m->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	m->shared = perms[3] == 's';
	m->path = strndup(s, s < eol ? (size_t)(eol - s) : 0);
	return m->path ? 0 : -1;
}

/* The whole of /proc/PID/name, NUL-terminated, in *buf (to be freed). */
static int read_proc_file(pid_t pid, const char *name, char **buf, size_t *len)
{
	char path[64];
	size_t cap = 0;
	int fd, e = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*buf = NULL;
	*len = 0;
	for (;;) {
		ssize_t n;

		if (*len + 1 >= cap) {
			char *nb = realloc(*buf, cap = cap ? cap * 2 : 16384);

			if (!nb) {
				e = ENOMEM;
				break;
			}
			*buf = nb;
		}
		n = read(fd, *buf + *len, cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : 0;
			break;
		}
		*len += (size_t)n;
	}
	close(fd);
	if (e) {
		free(*buf);
		*buf = NULL;
		errno = e;
		return -1;
	}
	(*buf)[*len] = 0;
	return 0;
}

int process_read_maps(struct process *p, struct ipbp_err *err)
{
	char *text, *line, *eol;
	size_t len, cap = 0;
	int ret = 0;

	if (read_proc_file(p->pid, "maps", &text, &len) < 0)
		return os_error(err, p->pid, "cannot read its mappings", errno);
	free_maps(p);
	for (line = text; line < text + len; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(text + len - line));
		if (!eol)
			eol = text + len;
		if (array_grow((void **)&p->maps, &cap, p->nr_maps + 1, sizeof(*p->maps)) < 0) {
			ret = ipbp_error(err, "out of memory");
			break;
		}
		if (parse_map_line(line, eol, &p->maps[p->nr_maps]) < 0) {
			ret = ipbp_error(err, "process %d: unreadable mapping line", (int)p->pid);
			break;
		}
		p->nr_maps++;
	}
	free(text);
	return ret;
}

const struct mapping *process_find_mapping(const struct process *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

/* ---- memory ------------------------------------------------------------ */

int process_read(struct process *p, uint64_t addr, void *buf, size_t len,
		 struct ipbp_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(p->mem_fd, (char *)buf + done, len - done,
				  (off_t)(addr + done));

		if (n <= 0)
			return ipbp_error(err, "process %d: cannot read %zu bytes at 0x%" PRIx64
					  "%s%s", (int)p->pid, len, addr, n < 0 ? ": " : "",
					  n < 0 ? strerror(errno) : "");
		done += (size_t)n;
	}
	return 0;
}

int process_write(struct process *p, uint64_t addr, const void *buf, size_t len,
		  struct ipbp_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(p->mem_fd, (const char *)buf + done, len - done,
				   (off_t)(addr + done));

		if (n <= 0)
			return ipbp_error(err, "process %d: cannot write %zu bytes at 0x%" PRIx64
					  "%s%s", (int)p->pid, len, addr, n < 0 ? ": " : "",
					  n < 0 ? strerror(errno) : "");
		done += (size_t)n;
	}
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static void read_entry(struct process *p)
{
	char *aux;
	size_t len;

	if (read_proc_file(p->pid, "auxv", &aux, &len) < 0)
		return;
	for (size_t i = 0; i + 16 <= len; i += 16) {
		uint64_t type, value;

		memcpy(&type, aux + i, 8);
		memcpy(&value, aux + i + 8, 8);
		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			p->entry = value;
	}
	free(aux);
}

/* A system call instruction already in executable memory (the vDSO has
 * one), so that making a call writes no code. */
static void find_syscall_insn(struct process *p)
{
	const struct proc_arch *a = p->arch;

	for (size_t i = 0; i < p->nr_maps; i++) {
		const struct mapping *m = &p->maps[i];
		size_t len = (size_t)(m->end - m->start);
		uint8_t *buf;

		if (strcmp(m->path, "[vdso]") || !(m->prot & PROT_EXEC) || len > (1u << 20))
			continue;
		buf = malloc(len);
		if (buf && process_read(p, m->start, buf, len, NULL) == 0) {
			const uint8_t *at = memmem(buf, len, a->syscall_insn,
						   a->syscall_insn_size);

			if (at)
				p->syscall_insn = m->start + (uint64_t)(at - buf);
		}
		free(buf);
	}
}

int process_open(struct process **out, pid_t pid, struct ipbp_err *err)
{
	struct process *p;
	char path[64];

	*out = NULL;
	if (pid <= 0)
		return ipbp_error(err, "process %d: not a process id", (int)pid);
	if (!proc_arch_host())
		return ipbp_error(err, "patching processes is not supported on this "
				  "architecture yet");
	p = calloc(1, sizeof(*p));
	if (!p)
		return ipbp_error(err, "out of memory");
	p->pid = pid;
	p->arch = proc_arch_host();
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	p->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (p->mem_fd < 0) {
		os_error(err, pid, "cannot open its memory", errno);
		free(p);
		return -1;
	}
	if (process_read_maps(p, err) < 0) {
		process_close(p);
		return -1;
	}
	read_entry(p);
	find_syscall_insn(p);
	*out = p;
	return 0;
}

void process_close(struct process *p)
{
	if (!p)
		return;
	if (p->stopped)
		process_resume(p, NULL);
	for (size_t i = 0; i < p->cap_threads; i++)
		free(p->threads[i].regs);
	free(p->threads);
	free_maps(p);
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	free(p);
}

/* ---- threads ----------------------------------------------------------- */

static struct thread *find_thread(struct process *p, pid_t tid)
{
	for (size_t i = 0; i < p->nr_threads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

static struct thread *add_thread(struct process *p, pid_t tid)
{
	struct thread *t;

	if (p->nr_threads == p->cap_threads) {
		size_t ncap = p->cap_threads ? p->cap_threads * 2 : 16;
		struct thread *nt;

		if (ncap > MAX_THREADS)
			return NULL;
		nt = realloc(p->threads, ncap * sizeof(*nt));
		if (!nt)
			return NULL;
		memset(nt + p->cap_threads, 0, (ncap - p->cap_threads) * sizeof(*nt));
		p->threads = nt;
		p->cap_threads = ncap;
	}
	t = &p->threads[p->nr_threads];
	if (!t->regs && !(t->regs = malloc(p->arch->regs_size)))
		return NULL;
	t->tid = tid;
	t->attached = false;
	t->pending_signal = 0;
	p->nr_threads++;
	return t;
}

/*
 * Waits until t is in a ptrace stop.  A signal that stops it first is
 * remembered for detach and the wait goes on for our interrupt.  Returns 1
 * when the thread exited meanwhile.
 */
static int wait_stopped(struct process *p, struct thread *t, struct ipbp_err *err)
{
	for (;;) {
		int status;

		if (waitpid(t->tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return os_error(err, t->tid, "waiting for the thread", errno);
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return 1;
		if (!WIFSTOPPED(status))
			continue;
		if (status >> 16 == PTRACE_EVENT_STOP || WSTOPSIG(status) == SIGTRAP)
			return 0;
		/* a signal-delivery stop: keep the signal, resume into our stop */
		t->pending_signal = WSTOPSIG(status);
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return os_error(err, t->tid, "resuming the thread", errno);
	}
}

/* The process tracing thread tid (TracerPid in its status), or 0. */
static pid_t tracer_of(struct process *p, pid_t tid)
{
	char name[64], *status, *at;
	size_t len;
	long tracer = 0;

	snprintf(name, sizeof(name), "task/%d/status", (int)tid);
	if (read_proc_file(p->pid, name, &status, &len) < 0)
		return 0;
	at = strstr(status, "\nTracerPid:");
	if (at)
		tracer = strtol(at + strlen("\nTracerPid:"), NULL, 10);
	free(status);
	return tracer > 0 && tracer <= INT_MAX ? (pid_t)tracer : 0;
}

/* A thread has one tracer at most: the one it has may be a debugger,
 * which the permission hint would not explain. */
static int attach_error(struct process *p, pid_t tid, int e, struct ipbp_err *err)
{
	char *comm, name[32] = "";
	size_t len;
	pid_t tracer = e == EPERM ? tracer_of(p, tid) : 0;

	if (!tracer)
		return os_error(err, p->pid, "cannot attach", e);
	if (read_proc_file(tracer, "comm", &comm, &len) == 0) {
		comm[strcspn(comm, "\n")] = 0;
		snprintf(name, sizeof(name), " (%.16s)", comm);
		free(comm);
	}
	return ipbp_error(err, "process %d: cannot attach: it is traced by process %d%s; "
			  "detach that first", (int)p->pid, (int)tracer, name);
}

/* Seizes and interrupts tid; the stop is waited for by wait_new(). */
static int attach_thread(struct process *p, pid_t tid, struct ipbp_err *err)
{
	struct thread *t = add_thread(p, tid);

	if (!t)
		return ipbp_error(err, "process %d: too many threads", (int)p->pid);
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0) {
		p->nr_threads--;
		if (errno == ESRCH)
			return 0;	/* exited meanwhile */
		return attach_error(p, tid, errno, err);
	}
	t->attached = true;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return os_error(err, tid, "cannot stop the thread", errno);
	return 0;
}

/* Waits for the threads from first on to stop and reads their registers;
 * the ones that exited meanwhile are dropped (their buffers kept). */
static int wait_new(struct process *p, size_t first, struct ipbp_err *err)
{
	for (size_t i = first; i < p->nr_threads;) {
		struct thread *t = &p->threads[i];
		int ret = wait_stopped(p, t, err);

		if (ret < 0)
			return -1;
		if (ret == 0 && p->arch->get_regs(t->tid, t->regs) == 0) {
			t->pc = p->arch->pc(t->regs);
			t->sp = p->arch->sp(t->regs);
			i++;
			continue;
		}
		struct thread gone = *t;

		gone.attached = false;
		*t = p->threads[--p->nr_threads];
		p->threads[p->nr_threads] = gone;
	}
	return 0;
}

/*
 * Attaches every thread not attached yet, all interrupted before any is
 * waited for, so they stop at about the same time; *added counts them.
 */
static int scan_threads(struct process *p, size_t *added, struct ipbp_err *err)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	size_t first = p->nr_threads;
	int ret = 0;

	*added = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	dir = opendir(path);
	if (!dir)
		return os_error(err, p->pid, "cannot list its threads", errno);
	while (ret == 0 && (d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid <= 0 || find_thread(p, tid))
			continue;
		ret = attach_thread(p, tid, err);
		(*added)++;
	}
	closedir(dir);
	if (ret == 0)
		ret = wait_new(p, first, err);
	return ret;
}

/*
 * Signals that end or suspend us wait while the process is stopped: killed
 * half-way, we would leave a thread running on borrowed registers, or
 * branches half-written; suspended, we would keep the process stopped.
 * They take effect once every thread runs again.
 */
static void hold_signals(struct process *p)
{
	static const int held[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP,
				    SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2 };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		sigaddset(&set, held[i]);
	pthread_sigmask(SIG_BLOCK, &set, &p->held_from);
}

/*
 * Each system call or function run in the process is a round trip: the
 * borrowed thread is woken, runs, stops and wakes us.  When it sleeps on
 * another CPU than ours, both wake-ups cross CPUs (in a virtual machine an
 * exit to the hypervisor each): about 50 us a round trip, against 15 us on
 * one CPU.  So while the process is stopped, we and the borrowed thread
 * stay on the CPU we are on; both CPU masks are put back before the thread
 * is let go.  Only a speed-up: when a mask cannot be set, nothing changes.
 */
static void move_near(struct process *p, const struct thread *t)
{
	cpu_set_t near;
	cpu_set_t *masks;	/* ours, the thread's */
	int cpu;

	if (p->moved_near)
		return;
	p->moved_near = true;
	if ((cpu = sched_getcpu()) < 0 || cpu >= CPU_SETSIZE ||
	    !(masks = malloc(2 * sizeof(*masks))))
		return;
	CPU_ZERO(&near);
	CPU_SET(cpu, &near);
	if (sched_getaffinity(0, sizeof(near), &masks[0]) < 0 ||
	    sched_getaffinity(t->tid, sizeof(near), &masks[1]) < 0 || !CPU_ISSET(cpu, &masks[1]) ||
	    sched_setaffinity(0, sizeof(near), &near) < 0) {
		free(masks);
		return;
	}
	if (sched_setaffinity(t->tid, sizeof(near), &near) < 0) {
		sched_setaffinity(0, sizeof(near), &masks[0]);
		free(masks);
		return;
	}
	p->near_tid = t->tid;
	p->cpu_masks = masks;
}

static void move_back(struct process *p)
{
	cpu_set_t *masks = p->cpu_masks;

	p->moved_near = false;
	if (!masks)
		return;
	sched_setaffinity(p->near_tid, sizeof(*masks), &masks[1]);
	sched_setaffinity(0, sizeof(*masks), &masks[0]);
	free(masks);
	p->cpu_masks = NULL;
}

int process_stop(struct process *p, struct ipbp_err *err)
{
	size_t added;

	if (p->stopped)
		return 0;
	hold_signals(p);
	p->stopped_at = process_now_ns();
	p->stopped = true;
	for (int scan = 0; scan < STOP_SCANS; scan++) {
		if (scan_threads(p, &added, err) < 0) {
			process_resume(p, NULL);
			return -1;
		}
		if (!added) {
			if (!p->nr_threads) {
				process_resume(p, NULL);
				return ipbp_error(err, "process %d: no such process", (int)p->pid);
			}
			p->all_stopped_at = process_now_ns();
			return 0;
		}
	}
	process_resume(p, NULL);
	return ipbp_error(err, "process %d: its threads keep changing; try again", (int)p->pid);
}

int process_resume(struct process *p, struct ipbp_err *err)
{
	int ret = 0;

	if (!p->stopped)
		return 0;
	move_back(p);
	if (p->all_stopped_at)
		p->all_stopped_ns += process_now_ns() - p->all_stopped_at;
	p->all_stopped_at = 0;
	for (size_t i = 0; i < p->nr_threads; i++) {
		struct thread *t = &p->threads[i];

		if (t->attached && ptrace(PTRACE_DETACH, t->tid, 0, t->pending_signal) < 0 &&
		    errno != ESRCH && ret == 0)
			ret = os_error(err, t->tid, "cannot detach", errno);
		t->attached = false;
	}
	p->nr_threads = 0;
	p->stopped = false;
	p->stop_ns += process_now_ns() - p->stopped_at;
	pthread_sigmask(SIG_SETMASK, &p->held_from, NULL);
	return ret;
}

int process_run_briefly(struct process *p, unsigned usec, struct ipbp_err *err)
{
	if (process_resume(p, err) < 0)
		return -1;
	usleep(usec);
	return process_stop(p, err);
}

/* ---- system calls ------------------------------------------------------ */

/*
 * Resumes t with request (PTRACE_SINGLESTEP, PTRACE_CONT) until it stops
 * with signal want.  A stop of another kind first (a group-stop of a
 * process stopped by SIGSTOP, a queued interrupt) resumes it again; another
 * signal is kept for detach.
 */
static int run_until(struct process *p, struct thread *t, int request, int want, int *status,
		     struct ipbp_err *err)
{
	for (int n = 0; n < 16; n++) {
		if (ptrace(request, t->tid, 0, 0) < 0)
			return os_error(err, t->tid, "cannot run the thread", errno);
		while (waitpid(t->tid, status, __WALL) < 0)
			if (errno != EINTR)
				return os_error(err, t->tid, "waiting for the thread", errno);
		if (!WIFSTOPPED(*status)) {
			t->attached = false;
			return ipbp_error(err, "process %d: thread %d ended", (int)p->pid,
					  (int)t->tid);
		}
		if (*status >> 16 == PTRACE_EVENT_STOP)
			continue;
		if (WSTOPSIG(*status) == want || want == SIGSEGV)
			return 0;
		t->pending_signal = WSTOPSIG(*status);
	}
	return ipbp_error(err, "process %d: thread %d does not run", (int)p->pid, (int)t->tid);
}

/*
 * Runs thread t from regs (request, until signal want, as run_until()),
 * leaves the registers it stopped with in regs, and gives it back its own
 * registers, whatever happened.
 */
static int run_borrowed(struct process *p, struct thread *t, void *regs, int request, int want,
			int *status, struct ipbp_err *err)
{
	const struct proc_arch *a = p->arch;
	int ret;

	move_near(p, t);
	if (a->set_regs(t->tid, regs) < 0)
		return os_error(err, t->tid, "cannot set registers", errno);
	ret = run_until(p, t, request, want, status, err);
	if (ret == 0 && a->get_regs(t->tid, regs) < 0)
		ret = os_error(err, t->tid, "cannot read registers", errno);
	if (t->attached && a->set_regs(t->tid, t->regs) < 0 && ret == 0)
		ret = os_error(err, t->tid, "cannot restore registers", errno);
	return ret;
}

/* Single-steps thread t over the system call instruction at pc. */
static int step_syscall(struct process *p, struct thread *t, uint64_t pc, long nr,
			const uint64_t args[6], int64_t *ret, struct ipbp_err *err)
{
	const struct proc_arch *a = p->arch;
	uint8_t regs[a->regs_size];
	int status;

	memcpy(regs, t->regs, a->regs_size);
	a->set_syscall(regs, pc, nr, args);
	if (run_borrowed(p, t, regs, PTRACE_SINGLESTEP, SIGTRAP, &status, err) < 0)
		return -1;
	if (a->pc(regs) != pc + a->syscall_insn_size)
		return ipbp_error(err, "process %d: the system call did not run (stopped at "
				  "0x%" PRIx64 ")", (int)p->pid, a->pc(regs));
	*ret = a->syscall_result(regs);
	return 0;
}

int process_syscall(struct process *p, long nr, const uint64_t args[6], int64_t *ret,
		    struct ipbp_err *err)
{
	const struct proc_arch *a = p->arch;
	uint8_t saved[sizeof(a->syscall_insn)];
	uint64_t pc = p->syscall_insn;
	int r;

	if (!p->stopped || !p->nr_threads)
		return ipbp_error(err, "process %d: not stopped", (int)p->pid);
	if (pc)
		return step_syscall(p, &p->threads[0], pc, nr, args, ret, err);
	/* no instruction to borrow: write one over the program's entry code,
	 * which never runs again, and put the bytes back */
	pc = p->entry;
	if (!pc)
		return ipbp_error(err, "process %d: nowhere to make a system call from",
				  (int)p->pid);
	if (process_read(p, pc, saved, a->syscall_insn_size, err) < 0 ||
	    process_write(p, pc, a->syscall_insn, a->syscall_insn_size, err) < 0)
		return -1;
	r = step_syscall(p, &p->threads[0], pc, nr, args, ret, err);
	if (process_write(p, pc, saved, a->syscall_insn_size, r < 0 ? NULL : err) < 0)
		return -1;
	return r;
}

int process_call(struct process *p, uint64_t fn, uint64_t *ret, struct ipbp_err *err)
{
	const struct proc_arch *a = p->arch;
	struct thread *t;
	uint8_t regs[a->regs_size];
	uint64_t zero = 0, slot;
	int status;

	if (!p->stopped || !p->nr_threads)
		return ipbp_error(err, "process %d: not stopped", (int)p->pid);
	t = &p->threads[0];
	memcpy(regs, t->regs, a->regs_size);
	slot = a->set_call(regs, fn);
	if ((slot && process_write(p, slot, &zero, sizeof(zero), err) < 0))
		return -1;
	if (run_borrowed(p, t, regs, PTRACE_CONT, SIGSEGV, &status, err) < 0)
		return -1;
	if (WSTOPSIG(status) != SIGSEGV || a->pc(regs) != 0)
		return ipbp_error(err, "process %d: the call of 0x%" PRIx64 " stopped with "
				  "signal %d at 0x%" PRIx64, (int)p->pid, fn, WSTOPSIG(status),
				  a->pc(regs));
	*ret = (uint64_t)a->syscall_result(regs);
	return 0;
}
