// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_insn.so: a QEMU TCG plugin that counts the guest instructions
 * executed, per translated block start address, for bench/insn.sh.
 *
 * Under TCG the time a guest spends tracks the instructions it executes
 * far more closely than anything the guest can time, and the count does
 * not drift with the host's load, so the same run gives the same figures.
 *
 *   qemu-system-x86_64 ... -plugin qemu_insn.so,ctl=PATH
 *
 * Writing "dump OUT" into PATH (atomically, by rename) makes the plugin
 * write one line per block start, "ADDRESS COUNT" in hex and decimal, of
 * what ran since the last dump to OUT, reset the counts, and remove PATH.
 * A "rep" string instruction counts once per iteration, as TCG runs it.
 *
 * Debian's QEMU (7.2) ships the plugin loader but not its header; the
 * declarations below are the few calls of plugin API version 1 used here.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* Open addressing on the block's address; never shrinks, never moves. */
#define SLOTS (1u << 21)
struct slot {
	uint64_t addr;		/* block address | 1, 0 if free */
	uint64_t insns;		/* added to by the translated code */
};
static struct slot *slots;
static unsigned int used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char ctl[512];

static struct slot *slot_of(uint64_t addr)
{
	uint64_t h = (addr * 0x9e3779b97f4a7c15ull) >> 40;

	addr |= 1;
	for (;; h++) {
		struct slot *s = &slots[h & (SLOTS - 1)];

		if (s->addr == addr)
			return s;
		if (!s->addr) {
			if (used >= SLOTS - SLOTS / 8)
				return NULL;
			used++;
			s->addr = addr;
			return s;
		}
	}
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct slot *s;

	pthread_mutex_lock(&lock);
	s = slot_of(qemu_plugin_tb_vaddr(tb));
	pthread_mutex_unlock(&lock);
	if (s)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
			QEMU_PLUGIN_INLINE_ADD_U64, &s->insns,
			qemu_plugin_tb_n_insns(tb));
}

static void dump(const char *out)
{
	FILE *f = fopen(out, "w");
	unsigned int i;

	for (i = 0; i < SLOTS; i++) {
		uint64_t n = slots[i].insns;

		if (!n)
			continue;
		slots[i].insns = 0;	/* racing blocks may lose a count */
		if (f)
			fprintf(f, "%llx %llu\n",
				(unsigned long long)(slots[i].addr & ~1ull),
				(unsigned long long)n);
	}
	if (f)
		fclose(f);
}

static void *control(void *arg)
{
	char line[600], out[520];

	for (;;) {
		FILE *f = fopen(ctl, "r");

		if (f) {
			if (fgets(line, sizeof(line), f) &&
			    sscanf(line, "dump %519s", out) == 1)
				dump(out);
			fclose(f);
			unlink(ctl);
		}
		usleep(20000);
	}
	return arg;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const void *info,
			       int argc, char **argv)
{
	pthread_t t;

	if (argc != 1 || strncmp(argv[0], "ctl=", 4) ||
	    strlen(argv[0] + 4) >= sizeof(ctl)) {
		fprintf(stderr, "qemu_insn: usage: -plugin qemu_insn.so,ctl=PATH\n");
		return -1;
	}
	strcpy(ctl, argv[0] + 4);
	slots = calloc(SLOTS, sizeof(*slots));
	if (!slots || pthread_create(&t, NULL, control, NULL))
		return -1;
	pthread_detach(t);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	return 0;
}
