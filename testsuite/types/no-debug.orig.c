/* no-debug (warned): built without -g, so no DWARF says that struct
 * task changed; get_state differs only in the displacement it reads at,
 * which is how a moved member looks in code. */
struct task {
	int id;
	int state;
};

int get_state(struct task *t)
{
	return t->state;
}
