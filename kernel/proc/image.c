// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered, checksummed reading and writing of process image records.
 * Every record is a struct cohort_img_rec, its bytes, and zero padding to
 * 8; the CRC32 of the END record covers everything before it.
 */
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "image.h"

static const u8 cohort_img_zero[8];

int cohort_img_writer_init(struct cohort_img_writer *w, struct file *file)
{
	memset(w, 0, sizeof(*w));
	w->file = file;
	w->crc = ~0U;
	w->buf = kvmalloc(COHORT_IMG_BUF, GFP_KERNEL_ACCOUNT);
	return w->buf ? 0 : -ENOMEM;
}

void cohort_img_writer_free(struct cohort_img_writer *w)
{
	kvfree(w->buf);
	w->buf = NULL;
}

static bool cohort_img_interrupted(ssize_t n)
{
	return n == -ERESTARTSYS || n == -ERESTARTNOINTR ||
	       n == -ERESTARTNOHAND || n == -EINTR;
}

/*
 * A checkpoint writes from the frozen task's own context (its task work),
 * where a signal may be pending for it, or TIF_NOTIFY_SIGNAL set by
 * another task work: an interruptible wait in the file system then fails
 * the write (6.12's 9p, through netfs, takes the inode lock
 * interruptibly: -ERESTARTSYS, seen once in make check). The task is not
 * running; what is pending waits for it. So, unless the signal is fatal,
 * write again with both flags hidden, as 9p's own client does around its
 * requests, and set them again after.
 */
static ssize_t cohort_img_write(struct cohort_img_writer *w, size_t done)
{
	ssize_t n = kernel_write(w->file, w->buf + done, w->used - done, &w->pos);
	int tries;

	for (tries = 0; tries < 4 && cohort_img_interrupted(n) &&
	     !fatal_signal_pending(current); tries++) {
		bool sig = test_and_clear_thread_flag(TIF_SIGPENDING);
		bool notify = test_and_clear_thread_flag(TIF_NOTIFY_SIGNAL);

		n = kernel_write(w->file, w->buf + done, w->used - done, &w->pos);
		if (notify)
			set_thread_flag(TIF_NOTIFY_SIGNAL);
		if (sig)
			set_thread_flag(TIF_SIGPENDING);
	}
	return n;
}

static int cohort_img_flush(struct cohort_img_writer *w)
{
	size_t done = 0;
	ssize_t n;

	while (done < w->used) {
		n = cohort_img_write(w, done);
		if (n < 0)
			return n;
		if (n == 0)
			return -EIO;
		done += n;
	}
	w->used = 0;
	return 0;
}

int cohort_img_put(struct cohort_img_writer *w, const void *data, size_t len)
{
	const u8 *p = data;
	size_t n;
	int err;

	w->crc = crc32_le(w->crc, p, len);
	w->bytes += len;
	while (len) {
		if (w->used == COHORT_IMG_BUF) {
			err = cohort_img_flush(w);
			if (err)
				return err;
		}
		n = min(len, COHORT_IMG_BUF - w->used);
		memcpy(w->buf + w->used, p, n);
		w->used += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* One record: its header, @a, @b (either may be empty) and the padding. */
int cohort_img_rec(struct cohort_img_writer *w, u32 type, const void *a,
		   size_t alen, const void *b, size_t blen)
{
	struct cohort_img_rec rec = { .type = type, .len = alen + blen };
	int err;

	err = cohort_img_put(w, &rec, sizeof(rec));
	if (!err && alen)
		err = cohort_img_put(w, a, alen);
	if (!err && blen)
		err = cohort_img_put(w, b, blen);
	if (!err && (rec.len & 7))
		err = cohort_img_put(w, cohort_img_zero, 8 - (rec.len & 7));
	if (!err)
		w->records++;
	return err;
}

int cohort_img_finish(struct cohort_img_writer *w)
{
	struct cohort_img_end end = {
		.crc = ~w->crc,
		.records = w->records,
		.bytes = w->bytes,
	};
	int err;

	err = cohort_img_rec(w, COHORT_REC_END, &end, sizeof(end), NULL, 0);
	if (!err)
		err = cohort_img_flush(w);
	return err;
}

int cohort_img_reader_init(struct cohort_img_reader *r, struct file *file,
			   loff_t pos)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->pos = pos;
	r->crc = ~0U;
	r->buf = kvmalloc(COHORT_IMG_BUF, GFP_KERNEL);
	return r->buf ? 0 : -ENOMEM;
}

void cohort_img_reader_free(struct cohort_img_reader *r)
{
	kvfree(r->buf);
	r->buf = NULL;
}

/* Exactly @len bytes, or -EINVAL if the image ends first. */
int cohort_img_read(struct cohort_img_reader *r, void *dst, size_t len)
{
	u8 *p = dst;
	ssize_t n;
	size_t k;

	while (len) {
		if (r->off == r->len) {
			if (fatal_signal_pending(current))
				return -EINTR;
			n = kernel_read(r->file, r->buf, COHORT_IMG_BUF, &r->pos);
			if (n < 0)
				return n;
			if (n == 0)
				return -EINVAL;
			r->len = n;
			r->off = 0;
		}
		k = min(len, r->len - r->off);
		memcpy(p, r->buf + r->off, k);
		r->crc = crc32_le(r->crc, p, k);
		r->off += k;
		r->bytes += k;
		p += k;
		len -= k;
	}
	return 0;
}

int cohort_img_next(struct cohort_img_reader *r, struct cohort_img_rec *rec)
{
	int err;

	r->crc_rec = r->crc;
	err = cohort_img_read(r, rec, sizeof(*rec));

	if (!err)
		r->records++;
	return err;
}

/* Consume a record's padding (its @len bytes were read already). */
int cohort_img_rec_end(struct cohort_img_reader *r, u32 len)
{
	u8 pad[8];
	int err;

	if (!(len & 7))
		return 0;
	err = cohort_img_read(r, pad, 8 - (len & 7));
	if (!err && memchr_inv(pad, 0, 8 - (len & 7)))
		err = -EINVAL;
	return err;
}
