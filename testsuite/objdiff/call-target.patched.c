/* call-target: a call goes to ext_b instead of ext_a; the bytes are
 * equal outside the relocation field, the relocation target differs. */
int ext_a(int);
int ext_b(int);

int caller(int x)
{
	return ext_b(x) + 1;
}

int bystander(int x)
{
	return ext_a(x) * 2;
}
