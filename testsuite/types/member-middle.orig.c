/* member-middle (unsafe): a member inserted in the middle of struct
 * session moves the members after it; session_id, unchanged, reads a
 * session through a pointer. */
struct session {
	int id;
	int state;
	char name[8];
};

int session_id(struct session *s)
{
	return s->id;
}

int session_state(struct session *s)
{
	return s->state;
}
