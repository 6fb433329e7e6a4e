/* pointer-opaque (safe), a.c: the only unit where struct handle is
 * complete; handle_new and handle_get are patched. */
struct handle {
	int id;
	int gen;
	int refs;
};

void *alloc(unsigned long size);

struct handle *handle_new(int id)
{
	struct handle *h = alloc(sizeof(*h));

	h->id = id;
	return h;
}

int handle_get(struct handle *h)
{
	return h->id + h->gen;
}
