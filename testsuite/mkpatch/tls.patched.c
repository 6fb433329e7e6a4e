/* tls: bump's body changes; it uses the existing thread-local depth,
 * which is imported as TLS (the running threads keep their values). */
__thread int depth;

int bump(int x)
{
	depth += x + 1;
	return depth;
}
