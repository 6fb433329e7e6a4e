/* member-end (unsafe): a member added at the end of struct conn changes
 * its size; conn_fd, unchanged, and the existing table still use it. */
struct conn {
	int fd;
	long long bytes;
};

struct conn conns[4];

int conn_fd(struct conn *c)
{
	return c->fd;
}

long long conn_account(struct conn *c, int n)
{
	c->bytes += n;
	return c->bytes;
}
