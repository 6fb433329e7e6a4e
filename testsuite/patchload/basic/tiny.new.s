# tiny.s, edited: tiny() returns its argument plus one.
	.text
	.globl	padded
	.type	padded, @function
padded:
	movl	%edi, %eax
	ret
	.size	padded, .-padded

	.p2align 4
	.globl	tiny
	.type	tiny, @function
tiny:
	leal	1(%rdi), %eax
	ret
	.size	tiny, .-tiny

	.globl	after
	.type	after, @function
after:
	leal	100(%rdi), %eax
	ret
	.size	after, .-after
	.section	.note.GNU-stack,"",@progbits
