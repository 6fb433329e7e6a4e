/* cold (gcc only: clang makes no .cold parts without profile data): gcc
 * -O2 moves check()'s unlikely path into check.cold (.text.unlikely).
 * Only that path changes: check is replaced and its part comes with it
 * (added func check.cold), with the strings it uses; report is imported;
 * steady and steady.cold stay out of the patch. */
__attribute__((cold)) void report(const char *what, int code);

int check(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		report("negative", 1001);
		report("negative again", x);
		return -1;
	}
	return x * 2;
}

int steady(int x)
{
	if (__builtin_expect(x > 1000000, 0)) {
		report("too big", x);
		return 0;
	}
	return x + 3;
}
