/* pointer-opaque (safe), b.c: struct handle is only declared here, so
 * relay cannot depend on its layout. */
struct handle;

int handle_get(struct handle *h);

int relay(struct handle *h)
{
	return handle_get(h) + 1;
}
