/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_BUF_H
#define _COHORT_BUF_H

#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/types.h>

struct bio_vec;

/**
 * struct cohort_buf - a message payload held in pages
 * @ref: references; the last put frees the pages
 * @len: payload bytes
 * @nr_pages: pages in @pages so far: all of them once the buffer is
 *	filled; one being received gets them as its bytes arrive
 * @pages: the payload, PAGE_SIZE bytes each, the last one partly used
 *
 * Messages of up to COHORT_MSG_MAX bytes are received straight into pages
 * and sent straight from them, so no message ever needs one contiguous
 * allocation of its size. Immutable once filled; shared by reference
 * (an ECHO answer goes back out in the very buffer it came in). One-page
 * buffers are kept for reuse once their last reference is put.
 */
struct cohort_buf {
	struct kref ref;
	size_t len;
	unsigned int nr_pages;
	struct page *pages[];
};

struct cohort_buf *cohort_buf_alloc(size_t len, gfp_t gfp);
struct cohort_buf *cohort_buf_alloc_lazy(size_t len, gfp_t gfp);
int cohort_buf_populate(struct cohort_buf *buf, size_t end, gfp_t gfp);
void cohort_buf_put(struct cohort_buf *buf);
struct cohort_buf *cohort_buf_get(struct cohort_buf *buf);
void cohort_buf_write(struct cohort_buf *buf, size_t off, const void *src,
		      size_t len);
void cohort_buf_read(const struct cohort_buf *buf, size_t off, void *dst,
		     size_t len);
int cohort_buf_fill_random(struct cohort_buf *buf);
bool cohort_buf_equal(const struct cohort_buf *a, const struct cohort_buf *b);
int cohort_buf_bvec(const struct cohort_buf *buf, size_t off,
		    struct bio_vec *bv, int max, size_t *bytes);
void cohort_buf_exit(void);

#endif /* _COHORT_BUF_H */
