/*
 * stdout.c - report() prints with printf; stdout.new.c with fprintf to
 * stdout, a variable of libc the executable holds a copy of (a copy
 * relocation): the patch must use the copy the program uses.
 */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void report(int i)
{
	printf("i=%d old;\n", i);
}

int main(void)
{
	for (int i = 0;; i++) {
		report(i);
		fflush(stdout);
		usleep(2000);
	}
}
