/* body-change: compute's body changes (a constant); it reads the global
 * total, which the patch imports; other stays out of the patch. */
int total;

int compute(int x)
{
	return x + 1000 + total;
}

int other(int x)
{
	return x - 7 + total;
}
