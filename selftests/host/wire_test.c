// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the wire header (kernel/net/wire.h): encoding, and every
 * reason cohort_wire_check() refuses a frame for. Built with ASan/UBSan.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../ktypes.h"
#include "../../kernel/net/wire.h"

static u32 max_len[COHORT_MSG_TYPE_MAX] = {
	[COHORT_MSG_HELLO] = 44, [COHORT_MSG_AUTH] = 32,
	[COHORT_MSG_HEARTBEAT] = 8, [COHORT_MSG_ECHO] = 64 << 20,
};

static struct cohort_wire_rx rx_of(int authenticated)
{
	struct cohort_wire_rx rx = {
		.version = 1, .self = 2, .peer = 1, .next_seq = 5,
		.authenticated = authenticated, .max_len = max_len,
	};
	return rx;
}

static struct cohort_hdr good(int authenticated)
{
	struct cohort_hdr h = {
		.magic = COHORT_WIRE_MAGIC, .version = 1,
		.type = authenticated ? COHORT_MSG_ECHO : COHORT_MSG_HELLO,
		.len = authenticated ? 100 : 44, .src = 1, .dst = 2,
		.seq = authenticated ? 5 : 0,
	};
	return h;
}

TEST(encode_decode_round_trip)
{
	struct cohort_hdr h = {
		.magic = COHORT_WIRE_MAGIC, .version = 1, .type = 4,
		.flags = 3, .len = 0x01020304, .src = 0x0a0b, .dst = 0x0c0d,
		.seq = 0x1122334455667788ull, .req_id = 0x99aabbccddeeff00ull,
	}, back;
	unsigned char raw[COHORT_WIRE_HDR_LEN];
	int i;

	for (i = 0; i < COHORT_WIRE_MAC_LEN; i++)
		h.mac[i] = i * 7;
	cohort_hdr_encode(raw, &h);
	/* Big-endian on the wire, whatever the host. */
	EXPECT_EQ(0x43, raw[0]);
	EXPECT_EQ(0x54, raw[3]);
	EXPECT_EQ(0x01, raw[8]);
	EXPECT_EQ(0x04, raw[11]);
	EXPECT_EQ(0x11, raw[16]);
	EXPECT_EQ(0x88, raw[23]);
	cohort_hdr_decode(&back, raw);
	EXPECT_EQ(0, memcmp(&h, &back, sizeof(h)));
}

TEST(good_frames_pass)
{
	struct cohort_wire_rx rx = rx_of(0);
	struct cohort_hdr h = good(0);

	EXPECT_EQ(COHORT_WIRE_OK, cohort_wire_check(&rx, &h));
	rx = rx_of(1);
	h = good(1);
	EXPECT_EQ(COHORT_WIRE_OK, cohort_wire_check(&rx, &h));
	h.len = 64 << 20;
	EXPECT_EQ(COHORT_WIRE_OK, cohort_wire_check(&rx, &h));
	/* Before the HELLO, an accepted connection knows no peer yet. */
	rx = rx_of(0);
	rx.peer = 0;
	h = good(0);
	h.src = 9;
	EXPECT_EQ(COHORT_WIRE_OK, cohort_wire_check(&rx, &h));
}

TEST(each_refusal)
{
	struct cohort_wire_rx rx = rx_of(1);
	struct cohort_hdr h;

#define REFUSED(field, value, why) do {			\
		h = good(1);					\
		h.field = value;				\
		EXPECT_EQ(why, cohort_wire_check(&rx, &h));	\
	} while (0)
	REFUSED(magic, 0x434f4855, COHORT_WIRE_BAD_MAGIC);
	REFUSED(version, 2, COHORT_WIRE_BAD_VERSION);
	REFUSED(version, 0, COHORT_WIRE_BAD_VERSION);
	REFUSED(type, 0, COHORT_WIRE_BAD_TYPE);
	REFUSED(type, 9, COHORT_WIRE_BAD_TYPE);		/* unregistered */
	REFUSED(type, 200, COHORT_WIRE_BAD_TYPE);
	REFUSED(flags, 0x4, COHORT_WIRE_BAD_FLAGS);
	REFUSED(len, (64 << 20) + 1, COHORT_WIRE_TOO_LONG);
	REFUSED(len, 0xffffffff, COHORT_WIRE_TOO_LONG);
	REFUSED(dst, 3, COHORT_WIRE_BAD_NODE);
	REFUSED(src, 0, COHORT_WIRE_BAD_NODE);
	REFUSED(src, 3, COHORT_WIRE_BAD_NODE);
	REFUSED(seq, 4, COHORT_WIRE_BAD_SEQ);		/* replayed */
	REFUSED(seq, 6, COHORT_WIRE_BAD_SEQ);		/* skipped */
	REFUSED(seq, 0, COHORT_WIRE_BAD_SEQ);
	h = good(1);
	h.type = COHORT_MSG_HELLO;	/* a handshake frame after it */
	h.len = 44;
	EXPECT_EQ(COHORT_WIRE_BAD_HANDSHAKE, cohort_wire_check(&rx, &h));
	h.type = COHORT_MSG_AUTH;
	h.len = 32;
	EXPECT_EQ(COHORT_WIRE_BAD_HANDSHAKE, cohort_wire_check(&rx, &h));
	h = good(1);
	h.type = COHORT_MSG_HEARTBEAT;
	EXPECT_EQ(COHORT_WIRE_TOO_LONG, cohort_wire_check(&rx, &h));

	rx = rx_of(0);
	h = good(0);
	h.type = COHORT_MSG_ECHO;	/* authenticated type too early */
	EXPECT_EQ(COHORT_WIRE_BAD_HANDSHAKE, cohort_wire_check(&rx, &h));
	h = good(0);
	h.seq = 1;			/* handshake frames carry seq 0 */
	EXPECT_EQ(COHORT_WIRE_BAD_SEQ, cohort_wire_check(&rx, &h));
	h = good(0);
	h.len = 45;
	EXPECT_EQ(COHORT_WIRE_TOO_LONG, cohort_wire_check(&rx, &h));
#undef REFUSED
}

TEST(streamed_boundary)
{
	struct cohort_hdr h = { .len = COHORT_WIRE_STREAM_MIN };

	/* Up to 64 KiB the header MAC covers the payload; beyond, a trailer. */
	EXPECT_EQ(65536u, COHORT_WIRE_STREAM_MIN);
	EXPECT_FALSE(cohort_wire_streamed(&h));
	h.len++;
	EXPECT_TRUE(cohort_wire_streamed(&h));
	h.len = 0;
	EXPECT_FALSE(cohort_wire_streamed(&h));
}

TEST_HARNESS_MAIN
