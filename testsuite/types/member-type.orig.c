/* member-type (unsafe): struct counter's count becomes a long long; the
 * global total holds one. */
struct counter {
	int count;
	int limit;
};

struct counter total;

int bump(struct counter *c)
{
	return ++c->count < c->limit;
}
