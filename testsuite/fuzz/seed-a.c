/* seed-a.c - source of the fuzz seed corpus (see make-corpus): one small
 * translation unit with every kind of reference the readers model.  No
 * system headers: it is compiled for every target. */
extern int ext_counter;			/* undefined */
extern int ext_func(const char *s);	/* undefined, called */
int common_buf[4];			/* common with -fcommon */
int initialized = 42;			/* .data */
const char greeting[] = "hello, seed";	/* .rodata */
#ifndef __wasm__
_Thread_local int tls_var = 7;		/* TLS */
#endif

__attribute__((weak)) int weak_hook(int x)
{
	return x + 1;
}

static __attribute__((noinline)) int leaf(int x)
{
	static int calls;		/* static local */
	return x * 3 + ++calls + ext_counter;
}

static int (*const table[])(int) = { leaf, weak_hook };	/* fn pointers */

int pick(int i, int x)
{
	switch (i) {			/* jump table at -O1 */
	case 0: return leaf(x);
	case 1: return weak_hook(x) * 5;
	case 2: return table[x & 1](x);
	case 3: return ext_func("string literal") + initialized;
	case 4: return greeting[x & 7] + common_buf[x & 3];
#ifndef __wasm__
	case 5: return tls_var++;
#endif
	default: return -1;
	}
}

#if defined(__ELF__)
/* An SHT_GROUP COMDAT section (C has no inline-function groups). */
__asm__(".section .text.grouped,\"axG\",%progbits,grouped_fn,comdat\n"
	".globl grouped_fn\n.type grouped_fn,%function\ngrouped_fn:\n"
#if defined(__x86_64__) || defined(__i386__)
	"ret\n"
#else
	".4byte 0\n"
#endif
	".size grouped_fn, .-grouped_fn\n.text\n");
#endif
