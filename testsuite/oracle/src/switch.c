/* A dense switch (a jump table at -O2) and a function-pointer table. */
int ext_a(int);
int ext_b(int);

int dispatch(int op, int v)
{
	switch (op) {
	case 0: return v + 1;
	case 1: return v * 3;
	case 2: return ext_a(v);
	case 3: return v - 7;
	case 4: return ext_b(v);
	case 5: return v << 2;
	case 6: return v ^ 0x55;
	case 7: return -v;
	case 8: return v / 3;
	default: return 0;
	}
}

static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
static int op_mul(int a, int b) { return a * b; }

int (*const ops_table[])(int, int) = { op_add, op_sub, op_mul };
int (*hook)(int) = ext_a;

int apply(unsigned op, int a, int b)
{
	if (op >= sizeof(ops_table) / sizeof(ops_table[0]))
		return hook(a);
	return ops_table[op](a, b);
}
