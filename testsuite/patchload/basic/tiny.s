# tiny.s - two 3-byte functions (mov %edi,%eax; ret), too small for a
# 5-byte jump: padded() is followed by alignment padding (nops) up to the
# next 16 bytes; tiny() by after(), with no byte between them, so a jump
# at tiny() would overwrite the start of after().  tiny.new.s changes
# tiny(), which must be refused; tiny.padded.s changes padded(), which
# applies.
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
