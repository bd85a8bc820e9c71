// SPDX-License-Identifier: GPL-2.0
/*
 * The restore stub: position-independent code, no libc, no data of its
 * own, copied by the restorer into a hole of the image's memory layout
 * (the stub region) and entered there on a stack at the region's end.
 * It asks the module to replace the process's memory with the image's,
 * makes the system calls the module left for it (what a module cannot do
 * itself), loads the FPU state and asks the module to finish: the ioctl
 * then returns into the image's registers. On a failure it writes the
 * reason to the report descriptor and exits.
 *
 * Built with -fPIE -nostdlib -ffreestanding and linked by stub.lds into one
 * section; the build checks that it has no relocations.
 */
#include <linux/cohort.h>
#include <asm/unistd.h>

static inline long stub_syscall(long nr, long a0, long a1, long a2, long a3,
				long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static __attribute__((noreturn)) void stub_fail(struct cohort_stub_args *a,
						int code)
{
	unsigned long n = 0;

	while (n < sizeof(a->reason) && a->reason[n])
		n++;
	if (a->report_fd >= 0 && n)
		stub_syscall(__NR_write, a->report_fd, (long)a->reason, n, 0, 0, 0);
	for (;;)
		stub_syscall(__NR_exit_group, code, 0, 0, 0, 0, 0);
}

/* "call N failed: -E" into a->reason, without libc. */
static void stub_reason(struct cohort_stub_args *a, unsigned int i, long nr,
			long err)
{
	static const char digits[] = "0123456789";
	char *p = a->reason;
	char tmp[24];
	int k;

#define PUT(c) (*p++ = (c))
	PUT('s'); PUT('t'); PUT('u'); PUT('b'); PUT(':'); PUT(' ');
	PUT('s'); PUT('y'); PUT('s'); PUT('c'); PUT('a'); PUT('l'); PUT('l'); PUT(' ');
	k = 0;
	do { tmp[k++] = digits[nr % 10]; nr /= 10; } while (nr && k < 20);
	while (k)
		PUT(tmp[--k]);
	PUT(' '); PUT('('); PUT('#');
	k = 0;
	do { tmp[k++] = digits[i % 10]; i /= 10; } while (i && k < 20);
	while (k)
		PUT(tmp[--k]);
	PUT(')'); PUT(' '); PUT('f'); PUT('a'); PUT('i'); PUT('l'); PUT('e'); PUT('d');
	PUT(':'); PUT(' '); PUT('-');
	err = -err;
	k = 0;
	do { tmp[k++] = digits[err % 10]; err /= 10; } while (err && k < 20);
	while (k)
		PUT(tmp[--k]);
	PUT(0);
#undef PUT
}

__attribute__((section(".text.entry"), used, noreturn))
void cohort_stub_entry(struct cohort_stub_args *a)
{
	struct cohort_stub_call *c;
	unsigned int i, k;
	long args[6], r;

	r = stub_syscall(__NR_ioctl, a->dev_fd, COHORT_IOC_RESTORE_MM, (long)a,
			 0, 0, 0);
	if (r)
		stub_fail(a, 125);
	c = (struct cohort_stub_call *)a->calls;
	for (i = 0; i < a->ncalls; i++, c++) {
		for (k = 0; k < 6; k++)
			args[k] = c->from & (1U << k) ?
				((struct cohort_stub_call *)a->calls)[c->args[k]].result :
				(long)c->args[k];
		if (c->nr == COHORT_STUB_NR_MOVE_FD) {
			r = 0;
			if (args[0] != args[1]) {
				r = stub_syscall(__NR_dup3, args[0], args[1], args[2],
						 0, 0, 0);
				if (r >= 0)
					r = stub_syscall(__NR_close, args[0], 0, 0, 0, 0, 0);
			}
		} else {
			r = stub_syscall(c->nr, args[0], args[1], args[2], args[3],
					 args[4], args[5]);
		}
		c->result = r;
		if (r < 0 && r > -4096 && !(c->flags & COHORT_STUB_MAY_FAIL)) {
			a->failed = i;
			a->status = r;
			stub_reason(a, i, c->nr == COHORT_STUB_NR_MOVE_FD ? __NR_dup3 : (long)c->nr, r);
			stub_fail(a, 124);
		}
	}
	if (a->xstate && a->xsave)
		__asm__ volatile("xrstor64 (%0)"
				 : : "r"(a->xstate), "a"((unsigned int)a->xfeatures),
				   "d"((unsigned int)(a->xfeatures >> 32))
				 : "memory");
	else if (a->xstate)
		__asm__ volatile("fxrstor64 (%0)" : : "r"(a->xstate) : "memory");
	stub_syscall(__NR_ioctl, a->dev_fd, COHORT_IOC_RESTORE_FINISH, (long)a,
		     0, 0, 0);
	stub_fail(a, 123);
}
