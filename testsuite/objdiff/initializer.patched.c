/* initializer: the initializers of two globals change, one in its bytes
 * (limits: reason "data"), one in its relocation (hook: reason "relocs");
 * the functions that use them and the unchanged globals stay unchanged. */
int hook_a(int);
int hook_b(int);

int limits[4] = { 10, 20, 30, 41 };
int steady[2] = { 1, 2 };
int (*hook)(int) = hook_b;
int (*fixed)(int) = hook_b;

int limit(int i)
{
	return limits[i & 3];
}

int call_hook(int x)
{
	return hook(x) + fixed(x);
}
