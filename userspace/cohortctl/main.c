// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl: the admin command line tool of cohort.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortctl.h"

int json_output;

static const struct subcommand subcommands[] = {
	{ "info", cmd_info, "info",
	  "show module version, protocol version and this node's identity" },
	{ "node", cmd_node, "node set-self ID NAME",
	  "set this node's id (1-4095) and name" },
	{ "node", cmd_node, "node add ID NAME ADDR[:PORT]",
	  "add a node to the table (IPv6 as [ADDR]:PORT)" },
	{ "node", cmd_node, "node del ID", "remove a node from the table" },
	{ "nodes", cmd_nodes, "nodes",
	  "the node table: state, RTT and counters of every node" },
	{ "cluster", cmd_cluster,
	  "cluster set [--id N] [--key-file F] [--dead-timeout MS]",
	  "cluster id, key and dead timeout" },
	{ "ping", cmd_ping, "ping NODE [-c N] [-s BYTES] [-p HEX] [-b] [-W SECONDS]",
	  "in-kernel ECHO round trips to a node (-b: back to back)" },
	{ "checkpoint", cmd_checkpoint, "checkpoint PID FILE [--stop]",
	  "write the image of a running process (--stop: leave it stopped)" },
	{ "restore", cmd_restore, "restore FILE [--detach]",
	  "run the process of an image here (waits for it unless --detach)" },
	{ "migrate", cmd_migrate, "migrate PID NODE",
	  "move a running process to another node" },
	{ "ps", cmd_ps, "ps",
	  "the migrated processes of the cluster: where each runs, its home" },
};

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cohortctl [-j] COMMAND [ARGS]\n\n"
		"Options:\n"
		"  -j, --json   machine-readable JSON output\n"
		"  -h, --help   this text\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-40s %s\n", subcommands[i].usage,
			subcommands[i].description);
	fprintf(f, "\nExamples:\n"
		"  cohortctl info\n"
		"  cohortctl node set-self 3 node3\n"
		"  cohortctl node add 1 node1 10.0.0.1:7470\n"
		"  cohortctl cluster set --id 7 --key-file /etc/cohort/key\n"
		"  cohortctl -j nodes\n"
		"  cohortctl ping 2 -c 5 -s 4096\n");
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_output = 1;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (!strcmp(argv[optind], subcommands[i].name))
			return subcommands[i].fn(argc - optind, argv + optind);
	}
	fprintf(stderr, "cohortctl: unknown command '%s' (try cohortctl --help)\n",
		argv[optind]);
	return EXIT_USAGE;
}
