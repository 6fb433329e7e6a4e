/*
 * state.c - step() counts in a global, a file-static, a function-local
 * static and a thread-local variable, each started at its own value, and
 * prints them; state.new.c changes its body.  The counts must go on from
 * where they were through the patch and its revert.
 */
#include <stdio.h>
#include <unistd.h>

int g_count;
static int s_count = 1000;
__thread int t_count = 3000;

__attribute__((noinline)) void step(void)
{
	static int l_count = 2000;

	g_count++;
	s_count++;
	l_count++;
	t_count++;
	printf("old g=%d s=%d l=%d t=%d;\n", g_count, s_count, l_count, t_count);
}

int main(void)
{
	for (;;) {
		step();
		fflush(stdout);
		usleep(2000);
	}
}
