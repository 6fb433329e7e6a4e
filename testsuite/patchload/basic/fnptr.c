/*
 * fnptr.c - value() is only called through pointers taken before any
 * patch: one in initialized data, one stored by main at start-up.
 * fnptr.new.c changes value(); both pointers must reach the new code.
 */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps value() longer than the 5-byte jump */

__attribute__((noinline)) int value(int n)
{
	calls++;
	return n * 2;
}

int (*direct)(int) = value;
int (*taken)(int);

int main(void)
{
	volatile int k = 7;

	taken = value;
	for (int i = 0;; i++) {
		printf("i=%d direct=%d taken=%d;\n", i, direct(k), taken(k));
		fflush(stdout);
		usleep(2000);
	}
}
