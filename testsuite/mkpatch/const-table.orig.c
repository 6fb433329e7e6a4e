/* const-table: a static const table changes: it is read-only data, so
 * the patch copies the new table (added, read-only) and lookup, which
 * uses it, is replaced. */
static const int primes[8] = { 2, 3, 5, 7, 11, 13, 17, 19 };

int lookup(int i)
{
	return primes[i & 7] * i;
}
