/* body.c - a body change: value() returns n * 2; body.new.c n * 3. */
#include <stdio.h>
#include <unistd.h>

int calls;	/* keeps value() longer than the 5-byte jump */

__attribute__((noinline)) int value(int n)
{
	calls++;
	return n * 2;
}

int main(void)
{
	volatile int k = 7;

	for (int i = 0;; i++) {
		printf("i=%d value=%d;\n", i, value(k));
		fflush(stdout);
		usleep(2000);
	}
}
