/* added.c - value() returns n; added.new.c adds a function and a global. */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps value() longer than the 5-byte jump */

__attribute__((noinline)) int value(int n)
{
	calls++;
	return n;
}

int main(void)
{
	volatile int k = 5;

	for (int i = 0;; i++) {
		printf("i=%d value=%d;\n", i, value(k));
		fflush(stdout);
		usleep(2000);
	}
}
