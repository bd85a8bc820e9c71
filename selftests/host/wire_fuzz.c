// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the receive path's pure logic: the input is a byte
 * stream as a hostile peer would send it. Frames are decoded and checked
 * one after the other, exactly as the kernel's receive worker does, with
 * the connection's state (peer learned from the first HELLO, sequence
 * numbers once "authenticated", the trailer of a streamed frame)
 * carried along. Invariants are asserted; ASan and UBSan catch the rest.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "../ktypes.h"
#include "../../kernel/net/wire.h"

static u32 max_len[COHORT_MSG_TYPE_MAX] = {
	[COHORT_MSG_HELLO] = 44, [COHORT_MSG_AUTH] = 32,
	[COHORT_MSG_HEARTBEAT] = 8, [COHORT_MSG_ECHO] = 64 << 20,
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cohort_wire_rx rx = {
		.version = 1, .self = 2, .peer = 0, .next_seq = 1,
		.max_len = max_len,
	};
	size_t off = 0;
	int hs = 0;

	while (size - off >= COHORT_WIRE_HDR_LEN) {
		unsigned char again[COHORT_WIRE_HDR_LEN];
		struct cohort_hdr h, h2;
		enum cohort_wire_err e;

		cohort_hdr_decode(&h, data + off);
		cohort_hdr_encode(again, &h);
		assert(!memcmp(again, data + off, COHORT_WIRE_HDR_LEN));
		cohort_hdr_decode(&h2, again);
		assert(!memcmp(&h, &h2, sizeof(h)));
		off += COHORT_WIRE_HDR_LEN;

		e = cohort_wire_check(&rx, &h);
		assert(e < COHORT_WIRE_ERR_MAX);
		if (e != COHORT_WIRE_OK)
			return 0;	/* the kernel closes the connection */
		assert(h.magic == COHORT_WIRE_MAGIC && h.version == 1);
		assert(h.type && h.type < COHORT_MSG_TYPE_MAX);
		assert(max_len[h.type] && h.len <= max_len[h.type]);
		assert(h.dst == rx.self && h.src);
		/* Only authenticated frames can be long enough to stream. */
		assert(!cohort_wire_streamed(&h) || rx.authenticated);
		if (size - off < h.len)
			return 0;	/* waits for more input */
		off += h.len;
		if (cohort_wire_streamed(&h)) {
			if (size - off < COHORT_WIRE_MAC_LEN)
				return 0;
			off += COHORT_WIRE_MAC_LEN;	/* the trailer */
		}
		/* The handshake state machine (net/handshake.c) on top. */
		if (h.type == COHORT_MSG_HELLO) {
			if (hs != 0 || h.len != 44)
				return 0;	/* "unexpected HELLO" */
			rx.peer = h.src;
			hs = 1;
		} else if (h.type == COHORT_MSG_AUTH) {
			if (hs != 1 || h.len != 32)
				return 0;	/* "unexpected AUTH" */
			assert(rx.peer == h.src);
			rx.authenticated = 1;	/* as if the proof held */
			hs = 2;
		} else {
			assert(rx.authenticated && h.seq == rx.next_seq);
			rx.next_seq++;
		}
	}
	return 0;
}
