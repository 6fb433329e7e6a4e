/* seed-b.c - second archive member of the fuzz seed corpus (make-corpus). */
extern int pick(int i, int x);

int ext_counter = 1;

int ext_func(const char *s)
{
	return s[0] + pick(0, ext_counter);
}
