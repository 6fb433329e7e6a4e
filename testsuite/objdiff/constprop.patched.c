/* constprop (gcc only, -O3 for -fipa-cp-clone): work() is specialized for
 * mode 3 as work.constprop.0.  The patched source adds callers with mode
 * 5: GCC makes the new clone work.constprop.0 and renumbers the unchanged
 * mode-3 clone to work.constprop.1.  The old clone must correlate with
 * its renamed twin (not with the new clone that took its name): api1 and
 * api2 stay unchanged, the mode-5 clone and its callers are added. */
int ext(int);

static __attribute__((noinline)) int work(int x, int mode)
{
	int r = 0;

	for (int i = 0; i < x; i++)
		r += ext(i * mode) ^ mode;
	return r;
}

int api0(int x)
{
	return work(x, 5) + work(x + 2, 5);
}

int api1(int x)
{
	return work(x, 3);
}

int api2(int x)
{
	return work(x + 1, 3);
}

int api3(int x, int m)
{
	return work(x, m);
}

int api5(int x)
{
	return work(x, 5) * 3;
}
