/* call-target: caller calls ext_b instead of ext_a: caller is replaced
 * and imports ext_b (not ext_a, which only the unchanged bystander
 * calls). */
int ext_a(int);
int ext_b(int);

int caller(int x)
{
	return ext_a(x) + 1;
}

int bystander(int x)
{
	return ext_a(x) * 2;
}
