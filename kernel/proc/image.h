/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process image as a stream of records (format: uapi/linux/cohort.h,
 * Documentation/process-image.md): a buffered writer that checksums what
 * it writes, and a buffered reader that checksums what it reads.
 */
#ifndef _COHORT_PROC_IMAGE_H
#define _COHORT_PROC_IMAGE_H

#include <linux/types.h>
#include <linux/cohort.h>

struct file;

#define COHORT_IMG_BUF		(64 * 1024)
#define COHORT_IMG_PAGES_MAX	16	/* pages in one PAGES record */

struct cohort_img_writer {
	struct file *file;
	loff_t pos;
	u8 *buf;
	size_t used;
	u32 crc;
	u32 records;
	u64 bytes;
};

int cohort_img_writer_init(struct cohort_img_writer *w, struct file *file);
void cohort_img_writer_free(struct cohort_img_writer *w);
int cohort_img_put(struct cohort_img_writer *w, const void *data, size_t len);
int cohort_img_rec(struct cohort_img_writer *w, u32 type, const void *a,
		   size_t alen, const void *b, size_t blen);
int cohort_img_finish(struct cohort_img_writer *w);

struct cohort_img_reader {
	struct file *file;
	loff_t pos;		/* of the next byte read from the file */
	u8 *buf;
	size_t len, off;	/* bytes in buf, bytes of them consumed */
	u32 crc;
	u32 crc_rec;		/* crc before the last record header */
	u32 records;
	u64 bytes;		/* consumed so far */
};

int cohort_img_reader_init(struct cohort_img_reader *r, struct file *file,
			   loff_t pos);
void cohort_img_reader_free(struct cohort_img_reader *r);
int cohort_img_read(struct cohort_img_reader *r, void *dst, size_t len);
int cohort_img_next(struct cohort_img_reader *r, struct cohort_img_rec *rec);
int cohort_img_rec_end(struct cohort_img_reader *r, u32 len);

#endif
