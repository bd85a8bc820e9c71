/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORTCTL_H
#define COHORTCTL_H

#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Global options, set by main() before a subcommand runs. */
extern int json_output;

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *description;
};

int cmd_info(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_nodes(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_ping(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int node_add(int argc, char **argv);
int node_del(int argc, char **argv);

struct cohort_nl;
struct nl_msg;
int cohortctl_parse_id(const char *s, unsigned int *id);
int cohortctl_open(struct cohort_nl *nl);
int cohortctl_do(struct nl_msg *msg, struct cohort_nl *nl, const char *what);

/* Print @s as a JSON string literal. */
void json_string(FILE *f, const char *s);

/* Exit codes. */
#define EXIT_USAGE	2
#define EXIT_KERNEL	1

#endif /* COHORTCTL_H */
