// SPDX-License-Identifier: MIT
/*
 * proc-x86_64.c - the x86-64 register file for process.c.
 *
 * A thread stopped inside an interrupted system call has orig_rax set and
 * a restart code in rax; a call we make with it sets orig_rax to -1 so the
 * kernel does not "restart" ours, and the saved registers, put back
 * afterwards, restart the thread's own call as if nothing happened.
 */
#include <elf.h>
#include <stddef.h>

#include "process.h"

#if defined(__x86_64__) && defined(__linux__)
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

static int x86_get_regs(pid_t tid, void *regs)
{
	return ptrace(PTRACE_GETREGS, tid, 0, regs) < 0 ? -1 : 0;
}

static int x86_set_regs(pid_t tid, const void *regs)
{
	return ptrace(PTRACE_SETREGS, tid, 0, regs) < 0 ? -1 : 0;
}

static uint64_t x86_pc(const void *regs)
{
	return ((const struct user_regs_struct *)regs)->rip;
}

static uint64_t x86_sp(const void *regs)
{
	return ((const struct user_regs_struct *)regs)->rsp;
}

static void x86_set_syscall(void *regs, uint64_t pc, long nr, const uint64_t args[6])
{
	struct user_regs_struct *r = regs;

	r->rip = pc;
	r->rax = (uint64_t)nr;
	r->orig_rax = (uint64_t)-1;
	r->rdi = args[0];
	r->rsi = args[1];
	r->rdx = args[2];
	r->r10 = args[3];
	r->r8 = args[4];
	r->r9 = args[5];
}

static int64_t x86_syscall_result(const void *regs)
{
	return (int64_t)((const struct user_regs_struct *)regs)->rax;
}

/* Below the 128-byte red zone, 16-byte aligned at the call, as the psABI
 * wants a callee to find it (the return address pushed). */
static uint64_t x86_set_call(void *regs, uint64_t fn)
{
	struct user_regs_struct *r = regs;

	r->rsp = ((r->rsp - 256) & ~(uint64_t)15) - 8;
	r->rip = fn;
	r->orig_rax = (uint64_t)-1;
	r->rax = 0;
	return r->rsp;
}

static const struct proc_arch proc_arch_x86_64 = {
	.name = "x86-64",
	.machine = EM_X86_64,
	.regs_size = sizeof(struct user_regs_struct),
	.syscall_insn = { 0x0f, 0x05 },
	.syscall_insn_size = 2,
	.get_regs = x86_get_regs,
	.set_regs = x86_set_regs,
	.pc = x86_pc,
	.sp = x86_sp,
	.set_syscall = x86_set_syscall,
	.syscall_result = x86_syscall_result,
	.set_call = x86_set_call,
};

const struct proc_arch *proc_arch_host(void)
{
	return &proc_arch_x86_64;
}
#else
const struct proc_arch *proc_arch_host(void)
{
	return NULL;
}
#endif
