/* new-tls (refused): work starts using a new __thread variable, which
 * cannot be added to running threads. */
int work(int x)
{
	return x + 1;
}
