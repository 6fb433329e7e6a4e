/* no-function-sections: built WITHOUT -ffunction-sections and
 * -fdata-sections, so all functions share one .text section.  first()
 * grows, and everything after it moves.  helper() and early() sit before
 * first() (clang emits a static function right after its first user,
 * gcc in source order), so the calls from second() and third() to
 * helper(), which the assembler resolves inside the section on ELF x86-64,
 * aarch64 and COFF (no relocation), change their displacement: they must be
 * compared by their decoded target.  Only first changes. */
int ext(int);
int counter = 3;
static int scratch[8];

static __attribute__((noinline)) int helper(int x)
{
	scratch[x & 7] += x;
	return x * 7 + counter;
}

int early(int x)
{
	return helper(x) - 1;
}

int first(int x)
{
	return ext(x * x + 1) + (x >> 3) * x + counter;
}

int second(int x)
{
	return helper(x) + 2;
}

int third(int x)
{
	switch (x) {
	case 0: return ext(1);
	case 1: return helper(x) + second(x);
	case 2: return ext(x) * 5;
	case 3: return x - 17;
	case 4: return ext(x + 9);
	case 5: return counter;
	default: return early(x);
	}
}
