// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile peer: connects to a cohort node's port again and again and
 * sends it malformed input of every kind, at least FRAMES frames in all.
 * The node must close each such connection, count the reason and go on
 * serving its real peers.
 *
 *   hostile ADDR PORT SELF_ID TARGET_ID KEY_HEX CLUSTER_ID DEAD_MS FRAMES
 *
 * With FRAMES 0 it does one authenticated round only (the node takes the
 * new connection in place of SELF_ID's real one) and exits 0 if the node
 * accepted the handshake. With FRAMES "cut" that round then announces a
 * 64 MiB ECHO, sends CUT_MIB of it and falls silent; it exits 0 once the
 * node has closed the connection (when its dead timeout passes). With
 * FRAMES "old" it sends one HELLO of the previous protocol version and
 * exits 0 once the node has closed the connection. With FRAMES "noread"
 * the authenticated round then sends 60 KiB ECHO requests for NOREAD_SECS
 * seconds and never reads an answer; it prints how much it could send.
 * With FRAMES "silent:N" it opens N connections (all at once, never
 * sending a byte) and keeps each open until the node closes it or
 * SILENT_SECS pass; it prints how many connected and were closed.
 *
 * Knowing the key (an insider), some rounds complete a real handshake
 * (HMAC-SHA256 through the kernel's AF_ALG sockets; the frame tags, RFC
 * 8439 ChaCha20-Poly1305 with an empty plaintext, through OpenSSL: an
 * implementation independent of the kernel's), counted only once the node
 * answers a heartbeat under the session key, and then send frames
 * with bad MACs and replayed sequence numbers, and streamed frames whose
 * header MAC or trailer is wrong. Prints one summary line. One round in
 * 50 is such an insider's; HOSTILE_AUTH_EVERY=N in the environment makes
 * it one in N (2 to 50: the same insider rounds in fewer frames).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_alg.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/cohort.h>

#include "../ktypes.h"
#include "../../kernel/net/wire.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef SOL_ALG
#define SOL_ALG 279
#endif

static struct sockaddr_in target;
static unsigned int self_id, target_id, cluster_id, dead_ms;
static unsigned char key[64];
static int keylen;
static unsigned long frames, conns, handshakes, streamed, streamed_refused;

static void hmac(const unsigned char *k, int klen, const void *parts[],
		 const size_t lens[], int n, unsigned char out[32])
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int tfm, op, i;

	strcpy((char *)sa.salg_type, "hash");
	strcpy((char *)sa.salg_name, "hmac(sha256)");
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, k, klen)) {
		perror("AF_ALG hmac(sha256)");
		exit(2);
	}
	op = accept(tfm, NULL, 0);
	for (i = 0; i < n; i++)
		send(op, parts[i], lens[i], i + 1 < n ? MSG_MORE : 0);
	if (read(op, out, 32) != 32) {
		perror("AF_ALG read");
		exit(2);
	}
	close(op);
	close(tfm);
}

/*
 * The frame tag (kernel/net/mac.c): the ChaCha20-Poly1305 AEAD tag of
 * an empty plaintext with @parts as associated data, nonce le32(part) |
 * le64(seq).
 */
static void frame_tag(const unsigned char k[32], unsigned int part,
		      unsigned long long seq, const void *parts[],
		      const size_t lens[], int n, unsigned char out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char nonce[12], end[16];
	int i, len;

	for (i = 0; i < 4; i++)
		nonce[i] = part >> (8 * i);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = seq >> (8 * i);
	if (!c || !EVP_EncryptInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) ||
	    !EVP_EncryptInit_ex(c, NULL, NULL, k, nonce)) {
		fprintf(stderr, "OpenSSL chacha20-poly1305 unavailable\n");
		exit(2);
	}
	for (i = 0; i < n; i++)
		if (lens[i])
			EVP_EncryptUpdate(c, NULL, &len, parts[i], lens[i]);
	EVP_EncryptFinal_ex(c, end, &len);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out);
	EVP_CIPHER_CTX_free(c);
}

/* key(src -> dst) of the session (kernel/net/auth.c). */
static void session_key(const unsigned char *mine, const unsigned char *theirs,
			unsigned int src, unsigned char out[32])
{
	int lower = self_id < target_id;
	unsigned char ids[4], extra[3] = { COHORT_HELLO_OPTS };
	const void *parts[] = { "cohort-session-v4", ids, extra,
				lower ? mine : theirs, lower ? theirs : mine };
	const size_t lens[] = { 17, 4, 3, 32, 32 };

	cohort_put_be16(ids, lower ? self_id : target_id);
	cohort_put_be16(ids + 2, lower ? target_id : self_id);
	cohort_put_be16(extra + 1, src);
	hmac(key, keylen, parts, lens, 5, out);
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct timeval tv = { .tv_sec = 2 };

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&target, sizeof(target))) {
		close(fd);
		return -1;
	}
	conns++;
	return fd;
}

/* Send; a refused write (the node closed on us) is expected, not fatal. */
static void put(int fd, const void *p, size_t len)
{
	send(fd, p, len, MSG_NOSIGNAL);
	frames++;
}

static void hdr(unsigned char *raw, unsigned int type, unsigned int flags,
		unsigned int len, unsigned int src, unsigned int dst,
		unsigned long long seq)
{
	struct cohort_hdr h = {
		.magic = COHORT_WIRE_MAGIC, .version = COHORT_PROTO_VERSION,
		.type = type,
		.flags = flags, .len = len, .src = src, .dst = dst, .seq = seq,
	};

	cohort_hdr_encode(raw, &h);
}

/* HELLO: cluster id, dead timeout, nonce, options, 3 reserved. */
#define HELLO_LEN	(8 + COHORT_NONCE_LEN + 4)

static void hello_payload(unsigned char *p, const unsigned char *nonce)
{
	cohort_put_be32(p, cluster_id);
	cohort_put_be32(p + 4, dead_ms);
	memcpy(p + 8, nonce, COHORT_NONCE_LEN);
	p[8 + COHORT_NONCE_LEN] = COHORT_HELLO_OPTS;
	memset(p + 9 + COHORT_NONCE_LEN, 0, 3);
}

static void rand_bytes(unsigned char *p, size_t n)
{
	while (n--)
		*p++ = random();
}

static int read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (char *)p + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* Whether the node closes @fd within @ms (reading whatever it sends). */
static int closed_by_peer(int fd, int ms)
{
	unsigned char sink[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = read(fd, sink, sizeof(sink));

		if (n <= 0)
			return 1;
	}
	return 0;
}

/*
 * A streamed frame (an ECHO of 1 MiB, sequence number 3) that must be
 * refused: with @bad_header, its header MAC is wrong and no payload
 * follows at all, so only a node that checks the header before waiting
 * for the payload closes the connection; otherwise header and payload are
 * right and the trailer is wrong.
 */
static void bad_streamed_frame(int fd, const unsigned char *session,
			       int bad_header)
{
	static unsigned char payload[1 << 20];
	unsigned char raw[COHORT_WIRE_HDR_LEN], mac[16], trailer[16];
	const void *parts[] = { raw };
	const size_t lens[] = { COHORT_WIRE_HDR_LEN };
	size_t off;

	hdr(raw, COHORT_MSG_ECHO, 0, sizeof(payload), self_id, target_id, 3);
	frame_tag(session, 0, 3, parts, lens, 1, mac);
	if (bad_header)
		mac[random() % 16] ^= 1 + random() % 255;
	memcpy(raw + 32, mac, 16);
	put(fd, raw, sizeof(raw));
	if (!bad_header) {
		for (off = 0; off < sizeof(payload); off += 65536)
			send(fd, payload + off, 65536, MSG_NOSIGNAL);
		rand_bytes(trailer, sizeof(trailer));
		send(fd, trailer, sizeof(trailer), MSG_NOSIGNAL);
	}
	streamed++;
	/*
	 * Well inside the dead timeout, after which the node would close an
	 * idle connection anyway: a node waiting for the payload of a bad
	 * header must not pass.
	 */
	if (closed_by_peer(fd, bad_header ? dead_ms / 3 : 5000))
		streamed_refused++;
}

#define CUT_MIB		4
#define CUT_ANNOUNCED	(64u << 20)

/*
 * A streamed frame (an ECHO of 64 MiB, sequence number 3) with a good
 * header, cut off after CUT_MIB of its payload; then nothing more, until
 * the node closes the connection. Meanwhile the node should hold only the
 * pages of what arrived (the test watches its free memory).
 */
static int cut_streamed_frame(int fd, const unsigned char *session)
{
	static unsigned char payload[65536];
	unsigned char raw[COHORT_WIRE_HDR_LEN], mac[16];
	const void *parts[] = { raw };
	const size_t lens[] = { COHORT_WIRE_HDR_LEN };
	unsigned int off;

	hdr(raw, COHORT_MSG_ECHO, 0, CUT_ANNOUNCED, self_id, target_id, 3);
	frame_tag(session, 0, 3, parts, lens, 1, mac);
	memcpy(raw + 32, mac, 16);
	put(fd, raw, sizeof(raw));
	for (off = 0; off < (CUT_MIB << 20); off += sizeof(payload))
		if (send(fd, payload, sizeof(payload), MSG_NOSIGNAL) !=
		    sizeof(payload))
			return 0;
	return closed_by_peer(fd, 2 * dead_ms + 5000);
}

static int cut_done;

#define NOREAD_SECS	10
#define NOREAD_LEN	(60 << 10)
static unsigned long long noread_sent;

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * Valid ECHO requests (frames 3, 4, ...) as fast as the node takes them,
 * for NOREAD_SECS, never reading its answers: a node without back-pressure
 * queues every answer. Stops early when the node closes the connection.
 */
static void noread_flood(int fd, const unsigned char *session)
{
	static unsigned char frame[COHORT_WIRE_HDR_LEN + NOREAD_LEN];
	unsigned char *payload = frame + COHORT_WIRE_HDR_LEN, mac[16];
	unsigned long long seq = 3;
	double end = now_s() + NOREAD_SECS;

	rand_bytes(payload, NOREAD_LEN);
	while (now_s() < end) {
		const void *parts[] = { frame, payload };
		const size_t lens[] = { COHORT_WIRE_HDR_LEN, NOREAD_LEN };
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		size_t off = 0;

		hdr(frame, COHORT_MSG_ECHO, 0, NOREAD_LEN, self_id, target_id, seq);
		cohort_put_be64(frame + 24, seq);	/* a req_id: answer it */
		frame_tag(session, 0, seq, parts, lens, 2, mac);
		memcpy(frame + 32, mac, 16);
		while (off < sizeof(frame) && now_s() < end) {
			ssize_t n;

			if (poll(&pfd, 1, 200) < 0 || (pfd.revents & (POLLERR | POLLHUP)))
				return;
			if (!(pfd.revents & POLLOUT))
				continue;
			n = send(fd, frame + off, sizeof(frame) - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN)
				return;
			if (n > 0) {
				off += n;
				noread_sent += n;
			}
		}
		seq++;
	}
}

#define SILENT_SECS	20

/*
 * @n connections at once that never send anything. Returns how many
 * connected; *@closed gets how many of those the node closed within
 * SILENT_SECS.
 */
static int silent_conns(int n, int *closed)
{
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	int i, up = 0, open_now, left;
	double end;

	*closed = 0;
	if (!pfd)
		return 0;
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		pfd[i].fd = -1;
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&target, sizeof(target)) &&
		    errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		pfd[i].fd = fd;
		pfd[i].events = POLLOUT;
	}
	/* Connected ones wait for the node's close (readable: EOF or RST). */
	end = now_s() + SILENT_SECS;
	for (;;) {
		open_now = 0;
		left = (int)((end - now_s()) * 1000);
		if (left <= 0)
			break;
		if (poll(pfd, n, left > 500 ? 500 : left) < 0)
			break;
		for (i = 0; i < n; i++) {
			char c;

			if (pfd[i].fd < 0)
				continue;
			if (pfd[i].events == POLLOUT && pfd[i].revents) {
				int err = 0;
				socklen_t l = sizeof(err);

				getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (err) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					continue;
				}
				up++;
				pfd[i].events = POLLIN;
				pfd[i].revents = 0;
			}
			if (pfd[i].events == POLLIN && pfd[i].revents &&
			    recv(pfd[i].fd, &c, 1, MSG_DONTWAIT) <= 0) {
				(*closed)++;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				continue;
			}
			open_now++;
		}
		if (!open_now)
			break;
	}
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	return up;
}

/*
 * Proof that the node took our handshake: its answer to our first
 * heartbeat (a frame with its MAC under the session key, which only a node
 * that accepted our proof derives). Its own heartbeat may come first;
 * every frame must carry the right MAC and the next sequence number.
 */
static int node_answers_in(int fd, const unsigned char *session,
			   const unsigned char *hb)
{
	unsigned char in[COHORT_WIRE_HDR_LEN], p[64], mac[16];
	unsigned long long seq;
	struct cohort_hdr h;

	for (seq = 1; seq <= 4; seq++) {
		const void *parts[] = { in, p };
		size_t lens[] = { COHORT_WIRE_HDR_LEN, 0 };

		if (read_full(fd, in, sizeof(in)))
			return 0;
		cohort_hdr_decode(&h, in);
		if (h.len > sizeof(p) || read_full(fd, p, h.len) || h.seq != seq)
			return 0;
		lens[1] = h.len;
		memset(in + 32, 0, 16);
		frame_tag(session, 0, seq, parts, lens, 2, mac);
		if (memcmp(mac, h.mac, 16))
			return 0;
		if (h.type == COHORT_MSG_HEARTBEAT &&
		    (h.flags & COHORT_F_RESPONSE) && h.len == 8 &&
		    !memcmp(p, hb, 8))
			return 1;
	}
	return 0;
}

/*
 * A busy node (streaming a big frame, on a slow kernel) may answer after
 * dial()'s 2 s: it gets the dead timeout here, as a real peer does; the
 * socket's 2 s are back for what follows.
 */
static int node_answers(int fd, const unsigned char *session,
			const unsigned char *hb)
{
	struct timeval tv = { .tv_sec = dead_ms > 2000 ? dead_ms / 1000 : 2 };
	int ok;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ok = node_answers_in(fd, session, hb);
	tv.tv_sec = 2;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return ok;
}

/*
 * A real handshake as node self_id, then two good heartbeats (the first
 * must be answered), then @bad
 * frames: 0 = bad MAC, 1 = replayed sequence number, 2 = unknown type,
 * 3 = a streamed frame with a bad header MAC, 4 = one with a bad trailer,
 * 5 = a good streamed frame cut off (cut_streamed_frame()), 6 = frame 3
 * of an earlier connection (right sequence number, a tag that was right
 * under that connection's key), which the node must refuse, 7 = valid
 * requests whose answers are never read (noread_flood()).
 */
static unsigned char replay[COHORT_WIRE_HDR_LEN + 8];
static int have_replay;
static unsigned long replays, replays_refused;

static void authenticated_round(int bad)
{
	unsigned char raw[COHORT_WIRE_HDR_LEN + 64], in[COHORT_WIRE_HDR_LEN];
	unsigned char mine[COHORT_NONCE_LEN], theirs[COHORT_NONCE_LEN];
	unsigned char proof[32], session[32], rx_key[32], mac[16], p[64];
	unsigned char ids[4], cid[4], hb[8] = { 0 };
	struct cohort_hdr h;
	int fd = dial(), i;

	if (fd < 0)
		return;
	rand_bytes(mine, sizeof(mine));
	hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
	hello_payload(raw + COHORT_WIRE_HDR_LEN, mine);
	put(fd, raw, COHORT_WIRE_HDR_LEN + HELLO_LEN);
	/* Their HELLO, then their AUTH. */
	if (read_full(fd, in, sizeof(in)))
		goto out;
	cohort_hdr_decode(&h, in);
	if (h.type != COHORT_MSG_HELLO || h.len != HELLO_LEN ||
	    read_full(fd, p, HELLO_LEN))
		goto out;
	memcpy(theirs, p + 8, COHORT_NONCE_LEN);
	if (read_full(fd, in, sizeof(in)) || read_full(fd, p, 32))
		goto out;
	/* Our AUTH: proof(self -> target). */
	cohort_put_be16(ids, self_id);
	cohort_put_be16(ids + 2, target_id);
	cohort_put_be32(cid, cluster_id);
	{
		const void *parts[] = { "cohort-auth-v1", ids, cid, theirs, mine };
		const size_t lens[] = { 14, 4, 4, 32, 32 };

		hmac(key, keylen, parts, lens, 5, proof);
	}
	hdr(raw, COHORT_MSG_AUTH, 0, 32, self_id, target_id, 0);
	memcpy(raw + COHORT_WIRE_HDR_LEN, proof, 32);
	put(fd, raw, COHORT_WIRE_HDR_LEN + 32);
	session_key(mine, theirs, self_id, session);	/* what we send */
	session_key(mine, theirs, target_id, rx_key);	/* what it sends */
	/* Frames 1 and 2: a good heartbeat each; then the bad ones. */
	for (i = 1; i <= (bad >= 3 && bad != 6 ? 2 : 6); i++) {
		unsigned long long seq = i;
		unsigned int type = COHORT_MSG_HEARTBEAT;

		if (i > 2 && bad == 1)
			seq = 2;			/* replayed */
		if (i > 2 && bad == 2)
			type = 63;			/* unregistered */
		hdr(raw, type, 0, 8, self_id, target_id, seq);
		memcpy(raw + COHORT_WIRE_HDR_LEN, hb, 8);
		{
			const void *parts[] = { raw, hb };
			const size_t lens[] = { COHORT_WIRE_HDR_LEN, 8 };

			frame_tag(session, 0, seq, parts, lens, 2, mac);
		}
		if (i > 2 && bad == 0)
			mac[random() % 16] ^= 1 + random() % 255;
		memcpy(raw + 32, mac, 16);
		if (i == 3 && bad == 6) {
			if (!have_replay)
				break;
			put(fd, replay, sizeof(replay));
			replays++;
			if (closed_by_peer(fd, 5000))
				replays_refused++;
			break;
		}
		put(fd, raw, COHORT_WIRE_HDR_LEN + 8);
		if (i == 2 && bad != 6) {	/* a good frame 3, for later */
			const void *parts[] = { replay, hb };
			const size_t lens[] = { COHORT_WIRE_HDR_LEN, 8 };

			hdr(replay, COHORT_MSG_HEARTBEAT, 0, 8, self_id,
			    target_id, 3);
			memcpy(replay + COHORT_WIRE_HDR_LEN, hb, 8);
			frame_tag(session, 0, 3, parts, lens, 2, replay + 32);
			have_replay = 1;
		}
		if (i == 1) {
			if (!node_answers(fd, rx_key, hb))
				goto out;
			handshakes++;	/* the node accepted it */
		}
	}
	if (bad == 5)
		cut_done = cut_streamed_frame(fd, session);
	else if (bad == 7)
		noread_flood(fd, session);
	else if (bad >= 3)
		bad_streamed_frame(fd, session, bad == 3);
out:
	close(fd);
}

/* One connection of unauthenticated junk of kind @k, @n frames of it. */
static void junk_round(int k, int n)
{
	unsigned char raw[COHORT_WIRE_HDR_LEN + 64], nonce[COHORT_NONCE_LEN];
	int fd = dial(), i, len;

	if (fd < 0)
		return;
	for (i = 0; i < n; i++) {
		len = COHORT_WIRE_HDR_LEN;
		switch (k) {
		case 0:		/* random bytes */
			len = 1 + random() % sizeof(raw);
			rand_bytes(raw, len);
			break;
		case 1:		/* a truncated header */
			hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
			len = 1 + random() % (COHORT_WIRE_HDR_LEN - 1);
			break;
		case 2:		/* a huge length */
			hdr(raw, COHORT_MSG_ECHO, 0, 0xffffffffu - random() % 1000,
			    self_id, target_id, 0);
			break;
		case 3:		/* bad magic, version, type or flags */
			hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
			raw[random() % 8] ^= 1 + random() % 255;
			break;
		case 4:		/* an authenticated type before the handshake, */
			hdr(raw, COHORT_MSG_ECHO, 0, 0, self_id, target_id, 1);
			if (i == 0 && random() % 2) {	/* or AUTH before HELLO */
				hdr(raw, COHORT_MSG_AUTH, 0, 32, self_id,
				    target_id, 0);
				rand_bytes(raw + len, 32);
				len += 32;
			}
			break;
		case 5:		/* HELLO claiming another node */
			hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, 3, target_id, 0);
			rand_bytes(nonce, sizeof(nonce));
			hello_payload(raw + len, nonce);
			len += HELLO_LEN;
			break;
		case 6:		/* HELLO, replayed: the second is refused */
		case 7:		/* HELLO, then a forged AUTH */
			hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
			rand_bytes(nonce, sizeof(nonce));
			hello_payload(raw + len, nonce);
			len += HELLO_LEN;
			if (k == 7 && i > 0) {
				hdr(raw, COHORT_MSG_AUTH, 0, 32, self_id,
				    target_id, 0);
				rand_bytes(raw + COHORT_WIRE_HDR_LEN, 32);
				len = COHORT_WIRE_HDR_LEN + 32;
			}
			break;
		default:	/* a valid HELLO with random bytes flipped */
			hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
			rand_bytes(nonce, sizeof(nonce));
			hello_payload(raw + len, nonce);
			len += HELLO_LEN;
			raw[random() % len] ^= 1 + random() % 255;
			break;
		}
		put(fd, raw, len);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long want, round = 0;
	int i;

	if (argc != 9) {
		fprintf(stderr, "usage: hostile ADDR PORT SELF_ID TARGET_ID KEY_HEX CLUSTER_ID DEAD_MS FRAMES\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	target.sin_family = AF_INET;
	target.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &target.sin_addr) != 1)
		return 2;
	self_id = atoi(argv[3]);
	target_id = atoi(argv[4]);
	for (i = 0; argv[5][2 * i] && argv[5][2 * i + 1] && i < 64; i++)
		sscanf(argv[5] + 2 * i, "%2hhx", &key[i]);
	keylen = i;
	cluster_id = strtoul(argv[6], NULL, 10);
	dead_ms = strtoul(argv[7], NULL, 10);
	want = strtoul(argv[8], NULL, 10);
	srandom(getpid());

	if (!strcmp(argv[8], "old")) {
		unsigned char raw[COHORT_WIRE_HDR_LEN + HELLO_LEN], n[COHORT_NONCE_LEN];
		int fd = dial(), closed;

		if (fd < 0)
			return 1;
		rand_bytes(n, sizeof(n));
		hdr(raw, COHORT_MSG_HELLO, 0, HELLO_LEN, self_id, target_id, 0);
		raw[4] = COHORT_PROTO_VERSION - 1;	/* the version byte */
		hello_payload(raw + COHORT_WIRE_HDR_LEN, n);
		put(fd, raw, sizeof(raw));
		closed = closed_by_peer(fd, 5000);
		printf("hostile: a protocol %d HELLO, %s\n", COHORT_PROTO_VERSION - 1,
		       closed ? "closed by the node" : "not closed by the node");
		return closed ? 0 : 1;
	}
	if (!strcmp(argv[8], "noread")) {
		authenticated_round(7);
		printf("hostile: %lu handshakes completed; %llu MiB of requests sent in %d s without reading an answer\n",
		       handshakes, noread_sent >> 20, NOREAD_SECS);
		return handshakes ? 0 : 1;
	}
	if (!strncmp(argv[8], "silent:", 7)) {
		int closed, up = silent_conns(atoi(argv[8] + 7), &closed);

		printf("hostile: %d silent connections made, %d closed by the node within %d s\n",
		       up, closed, SILENT_SECS);
		return up ? 0 : 1;
	}
	if (!strcmp(argv[8], "cut")) {
		authenticated_round(5);
		printf("hostile: %lu handshakes completed; %d of %u MiB sent, %s\n",
		       handshakes, CUT_MIB, CUT_ANNOUNCED >> 20,
		       cut_done ? "then closed by the node" : "not closed by the node");
		return cut_done ? 0 : 1;
	}

	if (!want) {
		authenticated_round(0);
		printf("hostile: %lu handshakes completed\n", handshakes);
		return handshakes ? 0 : 1;
	}
	static const int kinds[] = { 0, 1, 2, 6, 3, 4 };
	const char *ev = getenv("HOSTILE_AUTH_EVERY");
	unsigned long every = ev ? strtoul(ev, NULL, 10) : 50;

	if (every < 2 || every > 50) {
		fprintf(stderr, "hostile: HOSTILE_AUTH_EVERY must be 2 to 50\n");
		return 2;
	}
	while (frames < want) {
		if (round % every == every - 1)
			authenticated_round(kinds[(round / every) % 6]);
		else
			junk_round(round % 9, 40);
		round++;
	}
	printf("hostile: %lu frames over %lu connections, %lu handshakes completed, %lu of %lu bad streamed frames refused, %lu of %lu frames replayed from another connection refused\n",
	       frames, conns, handshakes, streamed_refused, streamed,
	       replays_refused, replays);
	return 0;
}
