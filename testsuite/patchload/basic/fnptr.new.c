/*
 * fnptr.c, edited: value() returns n * 3.
 */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps value() longer than the 5-byte jump */

__attribute__((noinline)) int value(int n)
{
	calls++;
	return n * 3;
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
