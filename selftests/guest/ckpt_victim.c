// SPDX-License-Identifier: GPL-2.0
/*
 * A process for checkpoint/restore tests: it sets up state of every kind
 * the image carries, says "ready" on its stdout, and spins (registers held
 * in a loop at the bottom of a deep recursion) until SIGUSR1. Then it
 * checks that every piece of state is what it set up, prints one line per
 * check ("ok NAME" / "not ok NAME: why") and exits with the number of
 * failures. The test driver checkpoints it (and restores it, elsewhere)
 * while it spins.
 *
 *   ckpt_victim DIR HEAP_MB
 *
 * DIR is a directory for its files (on the shared folder, so a restore on
 * another node finds them).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go, usr2_seen;
static int failures;
static void *altstack;

static void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	failures++;
	printf("not ok %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void on_usr1(int sig)
{
	stack_t ss;

	/* the handler runs on the alternate stack */
	if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK))
		go = 2;
	else
		go = 1;
}

static void on_usr2(int sig)
{
	usr2_seen++;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* AVX usable: the CPU has it and the kernel enabled its state (XCR0). */
static int avx_usable(void)
{
	unsigned int a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))	/* OSXSAVE, AVX */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/*
 * The spin, its registers loaded before and stored after: rbx, rbp,
 * r12-r15, x87 st0 and eight vector registers, 16 bytes each (SSE) or,
 * with @avx, 32 (ymm).
 */
#define SPIN_PROLOGUE(MOV, R, W)					\
		"sub $128, %%rsp\n\t"					\
		"fldl (%[fin])\n\t"					\
		MOV " 0*" W "(%[xin]), %%" R "0\n\t"			\
		MOV " 1*" W "(%[xin]), %%" R "1\n\t"			\
		MOV " 2*" W "(%[xin]), %%" R "2\n\t"			\
		MOV " 3*" W "(%[xin]), %%" R "3\n\t"			\
		MOV " 4*" W "(%[xin]), %%" R "8\n\t"			\
		MOV " 5*" W "(%[xin]), %%" R "9\n\t"			\
		MOV " 6*" W "(%[xin]), %%" R "14\n\t"			\
		MOV " 7*" W "(%[xin]), %%" R "15\n\t"			\
		"push %%rbp\n\t"					\
		"mov 0(%[want]), %%rbx\n\t"				\
		"mov 8(%[want]), %%r12\n\t"				\
		"mov 16(%[want]), %%r13\n\t"				\
		"mov 24(%[want]), %%r14\n\t"				\
		"mov 32(%[want]), %%r15\n\t"				\
		"mov 40(%[want]), %%rbp\n\t"				\
		"1: pause\n\t"						\
		"cmpl $0, (%[go])\n\t"					\
		"je 1b\n\t"						\
		"mov %%rbx, 0(%[got])\n\t"				\
		"mov %%r12, 8(%[got])\n\t"				\
		"mov %%r13, 16(%[got])\n\t"				\
		"mov %%r14, 24(%[got])\n\t"				\
		"mov %%r15, 32(%[got])\n\t"				\
		"mov %%rbp, 40(%[got])\n\t"				\
		MOV " %%" R "0, 0*" W "(%[xout])\n\t"			\
		MOV " %%" R "1, 1*" W "(%[xout])\n\t"			\
		MOV " %%" R "2, 2*" W "(%[xout])\n\t"			\
		MOV " %%" R "3, 3*" W "(%[xout])\n\t"			\
		MOV " %%" R "8, 4*" W "(%[xout])\n\t"			\
		MOV " %%" R "9, 5*" W "(%[xout])\n\t"			\
		MOV " %%" R "14, 6*" W "(%[xout])\n\t"			\
		MOV " %%" R "15, 7*" W "(%[xout])\n\t"			\
		"fstpl (%[fout])\n\t"					\
		"pop %%rbp\n\t"						\
		"add $128, %%rsp\n\t"
#define SPIN_OPERANDS							\
		:							\
		: [xin] "r"(xin), [xout] "r"(xout), [want] "r"(want),	\
		  [got] "r"(got), [go] "r"(&go), [fin] "r"(&fin),	\
		  [fout] "r"(&fout)					\
		: "rbx", "r12", "r13", "r14", "r15", "xmm0", "xmm1",	\
		  "xmm2", "xmm3", "xmm8", "xmm9", "xmm14", "xmm15",	\
		  "memory", "cc"

/*
 * Registers held across the checkpoint: loaded, spun on, compared. With
 * COHORT_VICTIM_AVX set in its environment, the vector registers are
 * ymm and their upper halves are checked too (one more check, which
 * fails on a CPU without AVX).
 */
static int register_loop(void)
{
	static const uint64_t want[6] = {
		0x1111111111111111ULL, 0x2222222222222222ULL, 0x3333333333333333ULL,
		0x4444444444444444ULL, 0x5555555555555555ULL, 0x6666666666666666ULL,
	};
	int avx = getenv("COHORT_VICTIM_AVX") != NULL;
	uint64_t got[6], xin[32], xout[32];
	double fin = 3.25, fout;
	int i, bad = 0, usable = avx && avx_usable();

	for (i = 0; i < 32; i++)
		xin[i] = mix(i + 1);
	memset(xout, 0, sizeof(xout));
	if (usable)
		__asm__ volatile(SPIN_PROLOGUE("vmovdqu", "ymm", "32") SPIN_OPERANDS);
	else
		__asm__ volatile(SPIN_PROLOGUE("movdqu", "xmm", "16") SPIN_OPERANDS);
	for (i = 0; i < 6; i++)
		if (got[i] != want[i])
			bad |= 1;
	/* the low 16 bytes of each of the 8: SSE; the high 16: AVX */
	for (i = 0; i < 16; i++)
		if (xout[usable ? (i / 2) * 4 + i % 2 : i] !=
		    xin[usable ? (i / 2) * 4 + i % 2 : i])
			bad |= 2;
	for (i = 0; usable && i < 16; i++)
		if (xout[(i / 2) * 4 + 2 + i % 2] != xin[(i / 2) * 4 + 2 + i % 2])
			bad |= 8;
	if (fout != fin)
		bad |= 4;
	check(!(bad & 1), "general registers (rbx, rbp, r12-r15) held across", "got %#lx %#lx %#lx",
	      (unsigned long)got[0], (unsigned long)got[1], (unsigned long)got[5]);
	check(!(bad & 2), "SSE registers (xmm0-3, 8, 9, 14, 15) held across", "xmm differ");
	if (avx)
		check(usable && !(bad & 8), "AVX registers (upper halves of ymm0-3, 8, 9, 14, 15) held across",
		      usable ? "ymm upper halves differ" : "this CPU has no AVX (or the kernel did not enable it)");
	check(!(bad & 4), "x87 register held across", "%g", fout);
	return bad;
}

/* Recursion: each frame keeps a value and checks it on the way back. */
static int recurse(int depth, int max)
{
	volatile char frame[512];
	int bad = 0;

	memset((char *)frame, depth & 0xff, sizeof(frame));
	if (depth < max)
		bad = recurse(depth + 1, max);
	else
		register_loop();
	for (int i = 0; i < (int)sizeof(frame); i++)
		if (frame[i] != (char)(depth & 0xff))
			return bad + 1;
	return bad;
}

int main(int argc, char **argv)
{
	size_t heap_mb, heap_len, i;
	uint64_t *heap, sum = 0, sum2 = 0;
	char path[4096], buf[256], cwd[4096];
	int fd_off, fd_app, fd_priv, fd_shared, bad;
	char *sparse, *priv, *shared, *brk0, *brk1;
	struct sigaction sa = {};
	struct rlimit rl;
	stack_t ss, ss2;
	sigset_t set, pend;
	struct stat st;
	ssize_t n;
	off_t pos;
	const size_t sparse_len = 1UL << 30;

	if (argc != 3) {
		fprintf(stderr, "usage: ckpt_victim DIR HEAP_MB\n");
		return 100;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	heap_mb = strtoul(argv[2], NULL, 10);
	if (chdir(argv[1])) {
		perror("chdir");
		return 100;
	}

	/* heap filled with a pattern */
	heap_len = heap_mb << 20;
	heap = malloc(heap_len + 8);
	for (i = 0; i < heap_len / 8; i++) {
		heap[i] = mix(i);
		sum += heap[i];
	}
	/* sparse: 1 GiB reserved, 5 pages touched */
	sparse = mmap(NULL, sparse_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	for (i = 0; i < 5; i++)
		sparse[i * (sparse_len / 5)] = 'A' + i;
	/* brk */
	brk0 = sbrk(0);
	sbrk(8192);
	memset(brk0, 0x5a, 8192);

	/* files: offset, O_APPEND, private and shared mappings */
	snprintf(path, sizeof(path), "off.%d", getpid());
	fd_off = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 'o', sizeof(buf));
	if (write(fd_off, buf, 100) != 100)
		return 100;
	lseek(fd_off, 37, SEEK_SET);
	snprintf(path, sizeof(path), "app.%d", getpid());
	fd_app = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (write(fd_app, "before\n", 7) != 7)
		return 100;
	snprintf(path, sizeof(path), "priv.%d", getpid());
	fd_priv = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 'f', sizeof(buf));
	for (i = 0; i < 8192 / sizeof(buf); i++)
		if (write(fd_priv, buf, sizeof(buf)) != sizeof(buf))
			return 100;
	priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_priv, 0);
	priv[4096] = 'P';	/* a private copy of the second page */
	snprintf(path, sizeof(path), "shared.%d", getpid());
	fd_shared = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (ftruncate(fd_shared, 4096))
		return 100;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd_shared, 0);
	strcpy(shared, "shared mapping");
	msync(shared, 4096, MS_SYNC);

	/* signals: handlers, a blocked and pending one, an alternate stack */
	altstack = malloc(65536);
	ss.ss_sp = altstack;
	ss.ss_size = 65536;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigaddset(&sa.sa_mask, SIGINT);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGQUIT, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGHUP);

	/* the rest of the task */
	umask(027);
	prctl(PR_SET_NAME, "victim-comm");
	rl.rlim_cur = 777;
	rl.rlim_max = 4096;
	setrlimit(RLIMIT_NOFILE, &rl);

	printf("ready %d\n", getpid());
	bad = recurse(0, 2000);

	/* after SIGUSR1: check everything */
	printf("# resumed as %d\n", getpid());
	check(go == 2, "SIGUSR1's handler ran on the alternate stack", "go=%d", go);
	check(bad == 0, "2000 stack frames intact", "%d bad", bad);
	for (i = 0; i < heap_len / 8; i++)
		sum2 += heap[i];
	check(sum2 == sum, "heap pattern", "%zu MiB: sum %#lx, want %#lx", heap_mb,
	      (unsigned long)sum2, (unsigned long)sum);
	bad = 0;
	for (i = 0; i < 5; i++)
		bad += sparse[i * (sparse_len / 5)] != (char)('A' + i);
	check(!bad, "sparse mapping's touched pages", "%d differ", bad);
	bad = 0;
	for (i = 0; i < 8192; i++)
		bad += brk0[i] != 0x5a;
	brk1 = sbrk(1 << 20);
	check(!bad && brk1 != (void *)-1 && brk1 == brk0 + 8192,
	      "brk area kept, grows after", "bad=%d brk1=%p brk0=%p", bad, brk1, brk0);
	if (brk1 != (void *)-1)
		memset(brk1, 1, 1 << 20);
	check(lseek(fd_off, 0, SEEK_CUR) == 37, "file offset", "%ld",
	      (long)lseek(fd_off, 0, SEEK_CUR));
	/*
	 * Appended at the end, wherever that is now: a copy restored after
	 * the original ran on finds the original's "after" there too.
	 */
	n = write(fd_app, "after\n", 6);
	pos = lseek(fd_app, 0, SEEK_CUR);
	if (fstat(fd_app, &st))
		st.st_size = -1;
	check(n == 6 && (fcntl(fd_app, F_GETFL) & O_APPEND) && pos >= 13 &&
	      pos == st.st_size, "O_APPEND file",
	      "wrote %zd, pos %ld, size %ld", n, (long)pos, (long)st.st_size);
	check(priv[4096] == 'P' && priv[0] == 'f' && priv[4097] == 'f',
	      "private file mapping with a changed page", "%c%c%c", priv[0],
	      priv[4096], priv[4097]);
	check(!strcmp(shared, "shared mapping"), "shared file mapping", "'%.20s'", shared);
	sigemptyset(&pend);
	sigpending(&pend);
	check(sigismember(&pend, SIGHUP), "pending blocked SIGHUP", "not pending");
	sigprocmask(SIG_BLOCK, NULL, &set);
	check(sigismember(&set, SIGHUP) && sigismember(&set, SIGUSR2) &&
	      !sigismember(&set, SIGUSR1), "blocked mask", "differs");
	sigaction(SIGUSR2, NULL, &sa);
	check(sa.sa_handler == on_usr2 && (sa.sa_flags & SA_RESTART) &&
	      sigismember(&sa.sa_mask, SIGINT), "SIGUSR2 handler, flags and mask", "differ");
	sigaction(SIGQUIT, NULL, &sa);
	check(sa.sa_handler == SIG_IGN, "ignored SIGQUIT", "not ignored");
	check(sigaltstack(NULL, &ss2) == 0 && ss2.ss_sp == altstack &&
	      ss2.ss_size == 65536, "sigaltstack", "%p %zu", ss2.ss_sp, ss2.ss_size);
	check(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, argv[1]), "working directory",
	      "%s", cwd);
	check(umask(0) == 027, "umask", "differs");
	prctl(PR_GET_NAME, buf);
	check(!strcmp(buf, "victim-comm"), "comm", "%s", buf);
	getrlimit(RLIMIT_NOFILE, &rl);
	check(rl.rlim_cur == 777 && rl.rlim_max == 4096, "RLIMIT_NOFILE", "%lu %lu",
	      (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check(usr2_seen == 0, "SIGUSR2 was not pending", "seen %d", usr2_seen);
	printf("# %d failed\n", failures);
	return failures;
}
