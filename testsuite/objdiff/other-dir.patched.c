/* other-dir: the same source compiled with -g in two different
 * directories: only DW_AT_comp_dir and the like differ. */
int report(const char *file, int line, const char *what);
static int state[4];

#define CHECK(c) ((c) ? 0 : report(__FILE__, __LINE__, #c))

int store(int i, int v)
{
	if (CHECK(i >= 0 && i < 4))
		return -1;
	state[i] = v;
	return 0;
}

int load(int i)
{
	return state[i & 3];
}
