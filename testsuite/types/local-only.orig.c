/* local-only (safe): struct acc is used only inside the patched function
 * sum, on its own stack. */
struct acc {
	int n;
	int total;
};

int other(int x)
{
	return x * 3;
}

int sum(const int *v, int n)
{
	struct acc a = { 0, 0 };

	for (int i = 0; i < n; i++) {
		a.n++;
		a.total += v[i];
	}
	return a.total / (a.n ? a.n : 1);
}
