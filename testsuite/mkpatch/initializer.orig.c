/* initializer: the initializer of the existing global limits changes
 * (a warning: the running value is kept) and limit's body changes: limit
 * is replaced and imports limits. */
int limits[4] = { 10, 20, 30, 40 };

int limit(int i)
{
	return limits[i & 3];
}
