/* bit-field (unsafe): struct flags' mode widens from 3 to 4 bits, which
 * moves rest; the existing variable cur holds the old bits. */
struct flags {
	unsigned ready : 1;
	unsigned mode : 3;
	unsigned rest : 4;
};

struct flags cur;

int get_mode(struct flags *f)
{
	return f->mode;
}
