/* pointer-complete (unsafe): keep only passes a struct item pointer on,
 * but struct item is complete here: nothing in the object says keep does
 * not dereference it, so it counts as a user. */
struct item {
	int key;
	int hits;
	int value;
};

void store(struct item *it);

void keep(struct item *it)
{
	store(it);
}

int item_value(struct item *it)
{
	it->hits++;
	return it->value;
}
