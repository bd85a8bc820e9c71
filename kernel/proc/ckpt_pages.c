// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint: the memory pages of the image, taken in the process's own
 * context (see checkpoint.c): only pages that exist, in runs of up to
 * COHORT_IMG_PAGES_MAX pages per PAGES record.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "../compat.h"
#include "../selftest_hooks.h"
#include "ckpt_pages.h"
#include "image.h"

static int cohort_ckpt_run_flush(struct cohort_img_writer *w,
				 struct cohort_ckpt_run *run)
{
	struct cohort_img_pages h = { .addr = run->addr, .count = run->count };
	int err;

	if (!run->count)
		return 0;
	err = cohort_img_rec(w, COHORT_REC_PAGES, &h, sizeof(h), run->data,
			     (size_t)run->count << PAGE_SHIFT);
	run->pages += run->count;
	run->count = 0;
	return err;
}

/* No page table below @addr's PMD: nothing is mapped up to its end. */
static bool cohort_pmd_absent(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (pgd_none(READ_ONCE(*pgd)))
		return true;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return true;
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud)))
		return true;
	if (pud_leaf(READ_ONCE(*pud)))
		return false;
	pmd = pmd_offset(pud, addr);
	return pmd_none(READ_ONCE(*pmd));
}

/*
 * The pages of one private VMA that exist: get_user_pages() with FOLL_DUMP
 * skips never-touched and zero pages without faulting them in; of a
 * private file mapping only the pages the process changed (its anonymous
 * copies) are taken, and none if it never wrote one (no anon_vma). Runs
 * of up to COHORT_IMG_PAGES_MAX pages are gathered under the mmap lock and
 * written without it.
 */
int cohort_ckpt_private_pages(struct cohort_img_writer *w,
			      struct cohort_ckpt_run *run,
			      const struct cohort_img_vma *v)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = v->start, next;
	struct vm_area_struct *vma;
	struct page *page;
	bool take;
	void *src;
	int err = 0;

	while (addr < v->end && !err) {
		if (fatal_signal_pending(current))
			return -EINTR;
		mmap_read_lock(mm);
		vma = find_vma(mm, addr);
		if (v->kind == COHORT_VMA_FILE && vma && !vma->anon_vma)
			addr = v->end;
		while (addr < v->end && run->count < COHORT_IMG_PAGES_MAX) {
			if (cohort_pmd_absent(mm, addr)) {
				next = (addr + PMD_SIZE) & PMD_MASK;
				addr = min_t(unsigned long, next, v->end);
				continue;
			}
			if (cohort_gup(addr, 1, FOLL_DUMP | FOLL_FORCE, &page) != 1) {
				addr += PAGE_SIZE;
				continue;
			}
			take = v->kind == COHORT_VMA_ANON || PageAnon(page);
			if (take && run->count &&
			    run->addr + ((u64)run->count << PAGE_SHIFT) != addr) {
				put_page(page);
				break;	/* a new run: write this one first */
			}
			if (take) {
				if (!run->count)
					run->addr = addr;
				src = kmap_local_page(page);
				memcpy(run->data + ((size_t)run->count << PAGE_SHIFT),
				       src, PAGE_SIZE);
				kunmap_local(src);
				if (cohort_test_ckpt_corrupt == 2 && addr == v->start &&
				    v->end - v->start >= SZ_16M)
					run->data[((size_t)run->count << PAGE_SHIFT) + 100] ^= 1;
				run->count++;
			}
			put_page(page);
			addr += PAGE_SIZE;
			if (need_resched())
				break;
		}
		mmap_read_unlock(mm);
		if (run->count == COHORT_IMG_PAGES_MAX ||
		    (run->count && addr < v->end &&
		     run->addr + ((u64)run->count << PAGE_SHIFT) != addr))
			err = cohort_ckpt_run_flush(w, run);
		cond_resched();
	}
	if (!err)
		err = cohort_ckpt_run_flush(w, run);
	return err;
}

/*
 * The pages of a shared anonymous mapping: the data ranges of its shmem
 * object (SEEK_DATA/SEEK_HOLE), read through the file, so pages swapped
 * out or not mapped at the moment are taken too.
 */
int cohort_ckpt_shared_pages(struct cohort_img_writer *w,
			     struct cohort_ckpt_run *run,
			     const struct cohort_img_vma *v, struct file *f)
{
	loff_t base = (loff_t)v->pgoff << PAGE_SHIFT;
	loff_t end = base + (v->end - v->start), off = base, data, hole, pos;
	ssize_t n;
	int err = 0;

	while (off < end && !err) {
		data = vfs_llseek(f, off, SEEK_DATA);
		if (data < 0 || data >= end)
			break;
		hole = vfs_llseek(f, data, SEEK_HOLE);
		if (hole < 0)
			return hole;
		data &= PAGE_MASK;
		hole = min(end, ALIGN(hole, PAGE_SIZE));
		for (pos = data; pos < hole && !err; pos += PAGE_SIZE) {
			if (fatal_signal_pending(current))
				return -EINTR;
			if (run->count &&
			    (run->count == COHORT_IMG_PAGES_MAX ||
			     run->addr + ((u64)run->count << PAGE_SHIFT) !=
			     v->start + (pos - base))) {
				err = cohort_ckpt_run_flush(w, run);
				if (err)
					break;
			}
			if (!run->count)
				run->addr = v->start + (pos - base);
			n = kernel_read(f, run->data + ((size_t)run->count << PAGE_SHIFT),
					PAGE_SIZE, &(loff_t){ pos });
			if (n < 0)
				return n;
			if (n < PAGE_SIZE)
				memset(run->data + ((size_t)run->count << PAGE_SHIFT) + n,
				       0, PAGE_SIZE - n);
			run->count++;
		}
		off = hole;
	}
	if (!err)
		err = cohort_ckpt_run_flush(w, run);
	return err;
}
