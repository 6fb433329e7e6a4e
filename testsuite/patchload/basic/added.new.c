/*
 * added.c, edited: value() calls a new function, bonus(), which adds 2 to
 * a new global started at 40: the first call after the patch returns
 * n + 42000, the next n + 44000.
 */
#include <stdio.h>
#include <unistd.h>

int bonus_total = 40;

__attribute__((noinline)) static int bonus(void)
{
	bonus_total += 2;
	return bonus_total;
}

int calls;	/* keeps value() longer than the 5-byte jump */

__attribute__((noinline)) int value(int n)
{
	calls++;
	return n + 1000 * bonus();
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
