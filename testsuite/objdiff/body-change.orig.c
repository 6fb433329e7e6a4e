/* body-change: one function's body changes (a constant, same size);
 * its neighbours must stay unchanged. */
int total;

int compute(int x)
{
	return x + 1000 + total;
}

int other(int x)
{
	return x - 7 + total;
}
