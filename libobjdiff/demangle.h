/* SPDX-License-Identifier: MIT */
/*
 * demangle.h - C++ names for people (objdiff -C, patchinfo -C), by the
 * C++ runtime's own demangler (__cxa_demangle, libsupc++): the names
 * nm -C and gdb show.
 */
#ifndef IPBP_DEMANGLE_H
#define IPBP_DEMANGLE_H

#include <stdio.h>

/*
 * The demangled form of an Itanium C++ ABI name ("_Z5labelB5cxx11i" ->
 * "label[abi:cxx11](int)"; Mach-O's extra leading underscore allowed,
 * GCC's clone suffixes shown as "[clone .cold]"), malloc'd; NULL when
 * name is not one, or when out of memory.
 */
char *sym_demangle(const char *name);

/* " # label[abi:cxx11](int)" when name is a C++ name, nothing otherwise:
 * the comment objdiff -C and patchinfo -C end a line with.  Controls and
 * backslashes are written as \xhh, as in names, so that it stays one
 * line (a crafted name may demangle to anything). */
void text_put_demangled(FILE *f, const char *name);

#endif
