# tiny.s, edited: padded() returns its argument plus two.
	.text
	.globl	padded
	.type	padded, @function
padded:
	leal	2(%rdi), %eax
	ret
	.size	padded, .-padded

	.p2align 4
	.globl	tiny
	.type	tiny, @function
tiny:
	movl	%edi, %eax
	ret
	.size	tiny, .-tiny

	.globl	after
	.type	after, @function
after:
	leal	100(%rdi), %eax
	ret
	.size	after, .-after
	.section	.note.GNU-stack,"",@progbits
