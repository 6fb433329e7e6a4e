/* added-func: dispatch gains a call to the new global function clamp
 * (noinline): dispatch is replaced, clamp added; the unchanged helper
 * twice is imported. */
__attribute__((noinline)) int twice(int x)
{
	return x * 2 + 1;
}

__attribute__((noinline)) int clamp(int x)
{
	return x > 100 ? 100 : x < -100 ? -100 : x;
}

int dispatch(int x)
{
	return twice(clamp(x)) + 3;
}
