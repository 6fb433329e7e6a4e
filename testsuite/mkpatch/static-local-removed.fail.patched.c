/* static-local-removed (refused): serial stops using its static local
 * count: the running value would be lost. */
int serial(int x)
{
	return x * 3;
}
