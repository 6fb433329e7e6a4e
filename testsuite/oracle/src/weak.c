/* Weak definitions and references, common symbols, a large zeroed array. */
__attribute__((weak)) int weak_value = 7;
__attribute__((weak)) int weak_fn(int x) { return x + weak_value; }
extern int maybe_there(int) __attribute__((weak));

int common_counter;		/* common with -fcommon */
char big_buffer[4096];
long initialized_long = 123456789;

int weak_entry(int x)
{
	common_counter++;
	big_buffer[x & 4095] = (char)x;
	if (maybe_there)
		return maybe_there(x);
	return weak_fn(x) + (int)initialized_long;
}
