// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel and CPU an image was made on. A process carries choices made
 * for its CPU (glibc picks its string functions by CPUID at start) and for
 * its kernel (the vdso it has mapped), so an image restores only on the
 * same kernel build and on a CPU with at least the same features.
 */
#include <linux/fs.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "proc.h"

void cohort_this_kernel(struct cohort_img_kernel *k)
{
	u32 a, b, c, d;

	memset(k, 0, sizeof(*k));
	strscpy(k->release, init_utsname()->release, sizeof(k->release));
	strscpy(k->version, init_utsname()->version, sizeof(k->version));
	cpuid(1, &a, &b, &c, &d);
	k->cpuid1_ecx = c;
	k->cpuid1_edx = d;
	cpuid_count(7, 0, &a, &b, &c, &d);
	k->cpuid7_ebx = b;
	k->cpuid7_ecx = c;
	k->cpuid7_edx = d;
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		k->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
}

/* NULL if an image of @k can run here, else why not. */
const char *cohort_kernel_mismatch(const struct cohort_img_kernel *k)
{
	struct cohort_img_kernel here;

	if (strnlen(k->release, sizeof(k->release)) == sizeof(k->release) ||
	    strnlen(k->version, sizeof(k->version)) == sizeof(k->version))
		return "the image's kernel identity is malformed";
	cohort_this_kernel(&here);
	if (strcmp(k->release, here.release) || strcmp(k->version, here.version))
		return "the image was made on another kernel build";
	/* bit 27 of CPUID.1:ECX (OSXSAVE) and the APIC-related bits vary */
	if ((k->cpuid1_ecx & ~here.cpuid1_ecx & ~BIT(27)) ||
	    (k->cpuid1_edx & ~here.cpuid1_edx & ~BIT(9)) ||
	    (k->cpuid7_ebx & ~here.cpuid7_ebx) ||
	    (k->cpuid7_ecx & ~here.cpuid7_ecx) ||
	    (k->cpuid7_edx & ~here.cpuid7_edx))
		return "this CPU lacks features of the CPU the image was made on";
	if (k->xcr0 & ~here.xcr0)
		return "this CPU lacks register state (XCR0) the image has";
	return NULL;
}

/*
 * The size and modification time of a mapped file, as its file system
 * reports them: on a network file system that is the server's word, the
 * same on every node, where the local inode may hold a time of its own
 * (9p stamps a page written through a mapping locally, the server when it
 * receives it).
 */
int cohort_file_stamp(struct file *f, struct cohort_img_vma *v)
{
	struct kstat st;
	int err;

	err = vfs_getattr(&f->f_path, &st, STATX_SIZE | STATX_MTIME,
			  AT_STATX_FORCE_SYNC);
	if (err)
		return err;
	v->size = st.size;
	v->mtime_sec = st.mtime.tv_sec;
	v->mtime_nsec = st.mtime.tv_nsec;
	return 0;
}
