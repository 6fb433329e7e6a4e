/* jump-table: a switch compiled to a jump table (read-only data holding
 * addresses, or offsets, of places inside classify).  classify changes:
 * its new table is copied (added, read-only) and must point into the new
 * classify in the patch, never into the running old one (whose layout
 * differs): classify is replaced, not imported; ext is imported. */
int ext(int);

int classify(int x)
{
	switch (x) {
	case 0: return ext(1);
	case 1: return ext(x) + 100;
	case 2: return ext(x) * 5;
	case 3: return x - 17;
	case 4: return ext(x + 9);
	case 5: return 77;
	default: return 0;
	}
}
