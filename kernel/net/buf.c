// SPDX-License-Identifier: GPL-2.0
/*
 * Paged message buffers (see buf.h).
 */
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "buf.h"

/*
 * One-page buffers whose last reference went, kept for the next small
 * message: most messages are small, and allocating a page per message
 * means clearing it too on kernels with init_on_alloc (Debian's). A few
 * per CPU; interrupts off while a CPU's cache is touched, as a buffer may
 * be put from any context.
 */
#define BUF_CACHE_MAX	4

struct buf_cache {
	unsigned int nr;
	struct cohort_buf *bufs[BUF_CACHE_MAX];
};

static DEFINE_PER_CPU(struct buf_cache, buf_cache);

/* A kept one-page buffer made ready for @len bytes (its old ones stay). */
static struct cohort_buf *buf_cache_take(size_t len)
{
	struct cohort_buf *buf = NULL;
	struct buf_cache *c;
	unsigned long flags;

	local_irq_save(flags);
	c = this_cpu_ptr(&buf_cache);
	if (c->nr)
		buf = c->bufs[--c->nr];
	local_irq_restore(flags);
	if (buf) {
		kref_init(&buf->ref);
		buf->len = len;
	}
	return buf;
}

static bool buf_cache_keep(struct cohort_buf *buf)
{
	struct buf_cache *c;
	unsigned long flags;
	bool kept = false;

	local_irq_save(flags);
	c = this_cpu_ptr(&buf_cache);
	if (c->nr < BUF_CACHE_MAX) {
		c->bufs[c->nr++] = buf;
		kept = true;
	}
	local_irq_restore(flags);
	return kept;
}

static struct cohort_buf *buf_new(size_t len, gfp_t gfp)
{
	struct cohort_buf *buf;

	buf = kvzalloc(struct_size(buf, pages, DIV_ROUND_UP(len, PAGE_SIZE)),
		       gfp);
	if (buf) {
		kref_init(&buf->ref);
		buf->len = len;
	}
	return buf;
}

static void buf_free(struct cohort_buf *buf)
{
	unsigned int i;

	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf);
}

/*
 * Make sure the pages holding bytes [0, @end) of @buf are there (pages are
 * added in order). 0, or -ENOMEM with those allocated so far kept.
 */
int cohort_buf_populate(struct cohort_buf *buf, size_t end, gfp_t gfp)
{
	unsigned int n = DIV_ROUND_UP(min(end, buf->len), PAGE_SIZE);

	while (buf->nr_pages < n) {
		struct page *page = alloc_page(gfp);

		if (!page)
			return -ENOMEM;
		buf->pages[buf->nr_pages++] = page;
	}
	return 0;
}

/*
 * A buffer for @len bytes. Fresh pages are as the page allocator gives
 * them; a reused one has its first @len bytes cleared, so that nothing of
 * an earlier message can go out with this one. Either way the owner fills
 * all @len bytes before the buffer is sent.
 */
struct cohort_buf *cohort_buf_alloc(size_t len, gfp_t gfp)
{
	struct cohort_buf *buf;

	if (DIV_ROUND_UP(len, PAGE_SIZE) == 1) {
		buf = buf_cache_take(len);
		if (buf) {
			memzero_page(buf->pages[0], 0, len);
			return buf;
		}
	}
	buf = buf_new(len, gfp);
	if (buf && cohort_buf_populate(buf, len, gfp)) {
		buf_free(buf);
		return NULL;
	}
	return buf;
}

/*
 * A buffer for the receive path, which writes all @len bytes before anyone
 * reads them: so a reused one-page buffer is not cleared first, and a
 * larger one gets its pages later, as cohort_buf_populate() asks for them.
 * A large message is filled that way as its bytes arrive, rather than
 * allocating (and, with init_on_alloc, clearing) all the pages of, say,
 * 64 MiB before the first byte is read, while the sender stalls on a
 * closed window.
 */
struct cohort_buf *cohort_buf_alloc_lazy(size_t len, gfp_t gfp)
{
	struct cohort_buf *buf;

	if (len > PAGE_SIZE)
		return buf_new(len, gfp);
	buf = len ? buf_cache_take(len) : NULL;
	return buf ?: cohort_buf_alloc(len, gfp);
}

static void buf_release(struct kref *ref)
{
	struct cohort_buf *buf = container_of(ref, struct cohort_buf, ref);

	/* Only a whole one-page buffer (not one cut off while received). */
	if (buf->len > PAGE_SIZE || buf->nr_pages != 1 ||
	    !buf_cache_keep(buf))
		buf_free(buf);
}

/* Module exit, once no buffer is in use: free what the caches keep. */
void cohort_buf_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct buf_cache *c = per_cpu_ptr(&buf_cache, cpu);

		while (c->nr)
			buf_free(c->bufs[--c->nr]);
	}
}

void cohort_buf_put(struct cohort_buf *buf)
{
	if (buf)
		kref_put(&buf->ref, buf_release);
}

struct cohort_buf *cohort_buf_get(struct cohort_buf *buf)
{
	kref_get(&buf->ref);
	return buf;
}

void cohort_buf_write(struct cohort_buf *buf, size_t off, const void *src,
		      size_t len)
{
	while (len) {
		size_t in = off % PAGE_SIZE;
		size_t n = min_t(size_t, len, PAGE_SIZE - in);

		memcpy_to_page(buf->pages[off / PAGE_SIZE], in, src, n);
		src += n;
		off += n;
		len -= n;
	}
}

void cohort_buf_read(const struct cohort_buf *buf, size_t off, void *dst,
		     size_t len)
{
	while (len) {
		size_t in = off % PAGE_SIZE;
		size_t n = min_t(size_t, len, PAGE_SIZE - in);

		memcpy_from_page(dst, buf->pages[off / PAGE_SIZE], in, n);
		dst += n;
		off += n;
		len -= n;
	}
}

/* Random bytes in all of @buf; -EINTR if the caller is being killed. */
int cohort_buf_fill_random(struct cohort_buf *buf)
{
	unsigned int i;

	for (i = 0; i < buf->nr_pages; i++) {
		void *p = kmap_local_page(buf->pages[i]);

		get_random_bytes(p, PAGE_SIZE);
		kunmap_local(p);
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

bool cohort_buf_equal(const struct cohort_buf *a, const struct cohort_buf *b)
{
	unsigned int i;
	bool same = true;

	if (a->len != b->len)
		return false;
	for (i = 0; i < a->nr_pages && same; i++) {
		size_t n = min_t(size_t, PAGE_SIZE, a->len - (size_t)i * PAGE_SIZE);
		void *pa = kmap_local_page(a->pages[i]);
		void *pb = kmap_local_page(b->pages[i]);

		same = !memcmp(pa, pb, n);
		kunmap_local(pb);
		kunmap_local(pa);
	}
	return same;
}

/*
 * Describe up to @max pages' worth of @buf from byte @off in @bv; returns
 * the number of entries and sets *@bytes.
 */
int cohort_buf_bvec(const struct cohort_buf *buf, size_t off,
		    struct bio_vec *bv, int max, size_t *bytes)
{
	size_t chunk = 0;
	int n = 0;

	while (n < max && off + chunk < buf->len) {
		size_t pos = off + chunk;
		size_t len = min_t(size_t, PAGE_SIZE - pos % PAGE_SIZE,
				   buf->len - pos);

		bv[n].bv_page = buf->pages[pos / PAGE_SIZE];
		bv[n].bv_offset = pos % PAGE_SIZE;
		bv[n].bv_len = len;
		chunk += len;
		n++;
	}
	*bytes = chunk;
	return n;
}
