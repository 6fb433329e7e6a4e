// SPDX-License-Identifier: MIT
/*
 * patch-arch.c - the relocation semantics table of an architecture
 * (patch-x86_64.c, patch-aarch64.c), found by model or ELF machine.
 */
#include <stddef.h>

#include "patch-arch.h"

static const struct patch_arch *const patch_arches[] = {
	&patch_arch_x86_64,
	&patch_arch_aarch64,
};

#define NR_ARCHES (sizeof(patch_arches) / sizeof(patch_arches[0]))

const struct patch_arch *patch_arch_find(enum obj_arch arch)
{
	for (size_t i = 0; i < NR_ARCHES; i++)
		if (patch_arches[i]->arch == arch)
			return patch_arches[i];
	return NULL;
}

const struct patch_arch *patch_arch_find_machine(uint16_t machine)
{
	for (size_t i = 0; i < NR_ARCHES; i++)
		if (patch_arches[i]->machine == machine)
			return patch_arches[i];
	return NULL;
}
