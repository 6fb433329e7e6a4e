/* inline-static: a static function changes and is inlined into both
 * callers: the callers are replaced, nothing is imported or added. */
static int scale(int x)
{
	return x * 9 + 1000;
}

int use_a(int x)
{
	return scale(x) + 1;
}

int use_b(int x)
{
	return scale(x) - 1;
}

int unrelated(int x)
{
	return x ^ 0x55;
}
