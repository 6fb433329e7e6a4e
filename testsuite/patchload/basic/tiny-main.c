/* tiny-main.c - calls padded(), tiny() and after() of tiny.s. */
#include <stdio.h>
#include <unistd.h>

int padded(int n);
int tiny(int n);
int after(int n);

int main(void)
{
	volatile int k = 7;

	for (int i = 0;; i++) {
		printf("i=%d padded=%d tiny=%d after=%d;\n", i, padded(k), tiny(k), after(k));
		fflush(stdout);
		usleep(2000);
	}
}
