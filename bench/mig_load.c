// SPDX-License-Identifier: GPL-2.0
/*
 * The process bench/migrate moves: MIB MiB of heap filled with a pattern
 * (every page resident), then a spin that keeps the CPU busy. It says
 * "ready PID" once its memory is filled; on SIGUSR1 it checks the pattern
 * and says "intact" or "damaged at page N", then exits.
 *
 *   mig_load MIB
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

int main(int argc, char **argv)
{
	size_t mib, len, i, words;
	uint64_t *heap, spins = 0;

	if (argc != 2 || !(mib = strtoul(argv[1], NULL, 10))) {
		fprintf(stderr, "usage: mig_load MIB\n");
		return 2;
	}
	len = mib << 20;
	heap = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	words = len / sizeof(*heap);
	for (i = 0; i < words; i++)
		heap[i] = i * 0x9e3779b97f4a7c15ULL;
	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!go)
		spins++;
	for (i = 0; i < words; i++)
		if (heap[i] != i * 0x9e3779b97f4a7c15ULL) {
			printf("damaged at page %zu\n", i * sizeof(*heap) / 4096);
			return 1;
		}
	printf("intact (%llu spins)\n", (unsigned long long)spins);
	return 0;
}
