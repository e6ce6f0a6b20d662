/*
 * Fuzz target: the client's response decoder (libqcreg): what a hostile
 * or broken server can make qcreg_next_reply and the reply accessors do.
 *
 * Input: a byte n (low 4 bits, 1..15 requests in flight), n bytes that
 * describe the requests (low 4 bits: the op, modulo the op count; high 4
 * bits: the number of subjects of a check), then the bytes the server
 * sends back. A connection is set up in memory (no socket, no TLS) with
 * those requests in flight (ids 1..n) and the bytes in its read-ahead
 * buffer, split into frames as the library's reader does, and every
 * complete answer is taken with qcreg_next_reply. Each reply is then
 * decoded as the CLI would: qcreg_reply_check for a check,
 * qcreg_reply_write for a put, remove, case_close or escalation_dismiss,
 * qcreg_reply_case_opened for a case_open, qcreg_reply_checkpoint and
 * qcreg_reply_proof for those ops (consistency, op 16, is beyond the 4
 * bits of an op), qcreg_field_type on a hello, and the result written as
 * JSON.
 *
 * Checked: the return code and the reply agree (0: a success reply with
 * a result map; > 0: an error reply with that code; < 0: no reply); every
 * text the library hands out is NUL-terminated and free of control
 * characters; the JSON the CLI writes (libjansson) is valid UTF-8
 * without raw control bytes, and reads back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cli_json.h"
#include "errors.h"
#include "frame.h"
#include "qcreg.h"
#include "qcreg_int.h"
#include "utf8.h"

#define FUZZ_MAX_LEN	65536

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct qcreg	*conn_new(const uint8_t *, size_t, size_t);
static void	 scan(struct qcreg *);
static void	 check_text(const char *, const char *);
static void	 check_json(const msgpack_object *);
static void	 check_items(const struct qcreg_check *);
static void	 check_decoded(struct qcreg *, struct qcreg_reply *, int);
static void	 fail(const char *, const char *);

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_reply: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	abort();
}

/* Text from the library: terminated, printable (no C0 controls or DEL). */
static void
check_text(const char *s, const char *what)
{
	if (s == NULL)
		fail("NULL text", what);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fail("control character in text", what);
}

/* The JSON the CLI would print (client/cli/cli_json.c). */
static void
check_json(const msgpack_object *o)
{
	json_t	*v;
	char	*buf = NULL, err[CLI_JSON_ERR_MAX];
	size_t	 len = 0, i;
	FILE	*f;

	if ((v = cli_json_from_msgpack(o)) == NULL)
		fail("cli_json_from_msgpack failed", NULL);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		json_decref(v);
		return;
	}
	if (cli_json_write(f, v) != 0)
		fail("cli_json_write failed", NULL);
	if (fclose(f) != 0)
		fail("fclose", NULL);
	if (!qc_utf8_valid(buf, len))
		fail("JSON output is not valid UTF-8", buf);
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20)
			fail("raw control byte in JSON output", buf);
	/* import's reader takes back what was written, but for NULs. */
	if ((v = cli_json_parse_object(buf, len, err, sizeof(err))) == NULL &&
	    strstr(err, "NUL") == NULL)
		fail("JSON output does not read back", err);
	json_decref(v);
	free(buf);
}

/* The texts of a decoded check answer. */
static void
check_items(const struct qcreg_check *k)
{
	const struct qcreg_escalation	*e;
	size_t				 i, j;

	for (i = 0; i < k->n; i++) {
		check_text(k->items[i].subject, "check subject");
		if (k->items[i].error != QC_OK &&
		    (k->items[i].nhits != 0 || k->items[i].escalation != NULL))
			fail("check item with an error and hits", NULL);
		for (j = 0; j < k->items[i].nhits; j++) {
			check_text(k->items[i].hits[j].list, "hit list");
			if (k->items[i].hits[j].grade != NULL)
				check_text(k->items[i].hits[j].grade,
				    "hit grade");
			if (k->items[i].hits[j].until != NULL)
				check_text(k->items[i].hits[j].until,
				    "hit until");
		}
		if ((e = k->items[i].escalation) == NULL)
			continue;
		check_text(e->list, "escalation list");
		check_text(e->to, "escalation to");
		check_text(e->first, "escalation first");
		check_text(e->last, "escalation last");
	}
}

/* What the CLI does with a reply, per op. */
static void
check_decoded(struct qcreg *c, struct qcreg_reply *r, int rc)
{
	struct qcreg_check	*k;
	struct qcreg_write	 wr;
	struct qcreg_case_opened opened;
	struct qcreg_checkpoint	 cp;
	struct qcreg_proof	 proof;
	const msgpack_object	*res;
	const char		*why;
	int			 op, krc;

	if (rc != qcreg_reply_code(r))
		fail("return code and reply code differ", NULL);
	check_text(qcreg_reply_message(r), "message");
	for (op = 0; op < QCREG_OP_COUNT; op++)
		if (strcmp(qcreg_reply_op(r), qcreg_op_names[op]) == 0)
			break;
	if (op == QCREG_OP_COUNT)
		fail("reply of an unknown op", qcreg_reply_op(r));
	res = qcreg_reply_result(r);
	if (rc == 0 && (res == NULL || res->type != MSGPACK_OBJECT_MAP))
		fail("success without a result map", NULL);
	if (rc != 0 && res != NULL)
		fail("error reply with a result", NULL);
	if (res != NULL)
		check_json(res);
	switch (op) {
	case QCREG_OP_CHECK:
		krc = qcreg_check_decode(r, &k, &why);
		check_text(why, "check decode reason");
		if (krc != 0) {
			if (k != NULL)
				fail("check decode failed but gave a result",
				    NULL);
			break;
		}
		check_items(k);
		qcreg_check_free(k);
		break;
	case QCREG_OP_PUT:
	case QCREG_OP_REMOVE:
	case QCREG_OP_CASE_CLOSE:
	case QCREG_OP_ESCALATION_DISMISS:
		(void)qcreg_reply_write(r, &wr);
		break;
	case QCREG_OP_CASE_OPEN:
		if (qcreg_reply_case_opened(r, &opened) == 0)
			check_text(opened.deadline, "case deadline");
		break;
	case QCREG_OP_CHECKPOINT:
		/* Raw bytes (the signature covers them), but terminated. */
		if (qcreg_reply_checkpoint(r, &cp) == 0 &&
		    (strlen(cp.origin) >= sizeof(cp.origin) ||
		    strlen(cp.key_id) >= sizeof(cp.key_id) ||
		    cp.is_signed != (cp.key_id[0] != '\0')))
			fail("checkpoint decoded badly", NULL);
		break;
	case QCREG_OP_PROOF:
		if (qcreg_reply_proof(r, &proof) == 0 &&
		    proof.n > QCREG_PROOF_MAX)
			fail("proof longer than QCREG_PROOF_MAX", NULL);
		break;
	case QCREG_OP_HELLO:
		/* The schema lookups read the hello the connection keeps. */
		if (rc == 0 && c->hello == NULL) {
			c->hello = r;
			(void)qcreg_field_type(c, "credit", "grade");
			(void)qcreg_field_type(c, "tourism", "listed_on");
			(void)qcreg_field_type(c, "nope", "x");
			c->hello = NULL;
		}
		break;
	default:
		break;
	}
}

/*
 * Counts the complete frames buffered, as the library's reader does when
 * bytes arrive (qcreg_io.c scan_frames): a length over the limit, or
 * data beyond the requests in flight, kills the connection, and frames
 * counted before that are still delivered.
 */
static void
scan(struct qcreg *c)
{
	uint32_t	 len;

	while (c->in_len > c->in_scan) {
		if (c->in_frames >= c->pq_count) {
			qcreg_die(c, QCREG_E_PROTO, "server sent data that "
			    "answers no request");
			return;
		}
		if (c->in_len - c->in_scan < QC_FRAME_HDR)
			return;
		len = qc_frame_get_len(c->in + c->in_scan);
		if (qc_frame_check_len(len, c->max_recv) != QC_FRAME_OK) {
			qcreg_die(c, QCREG_E_PROTO, "bad frame length");
			return;
		}
		if (c->in_len - c->in_scan - QC_FRAME_HDR < len)
			return;
		c->in_scan += QC_FRAME_HDR + (size_t)len;
		c->in_frames++;
	}
}

/* A connection with n requests in flight and the server's bytes read. */
static struct qcreg *
conn_new(const uint8_t *desc, size_t n, size_t inlen)
{
	struct qcreg	*c;
	size_t		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = -1;
	c->stop_fd = -1;
	c->timeout_ms = 1000;
	msgpack_sbuffer_init(&c->out);
	c->max_send = c->max_recv = QC_FRAME_MAX_DEFAULT;
	c->handshaken = c->established = 1;
	if ((c->pq = calloc(n, sizeof(*c->pq))) == NULL ||
	    (c->in = malloc(inlen > 0 ? inlen : 1)) == NULL) {
		qcreg_close(c);
		return NULL;
	}
	c->pq_cap = n;
	for (i = 0; i < n; i++) {
		c->pq[i].p_id = i + 1;
		c->pq[i].p_op = (uint8_t)((desc[i] & 15) % QCREG_OP_COUNT);
		c->pq[i].p_n = desc[i] >> 4;
	}
	c->pq_count = n;
	c->next_id = n + 1;
	c->in_cap = inlen;
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qcreg		*c;
	struct qcreg_reply	*r;
	size_t			 n, inlen, taken = 0;
	int			 rc;

	if (size < 1 || size > FUZZ_MAX_LEN)
		return 0;
	n = data[0] & 15;
	if (n == 0 || size < 1 + n)
		return 0;
	inlen = size - 1 - n;
	if ((c = conn_new(data + 1, n, inlen)) == NULL)
		return 0;
	if (inlen > 0)
		memcpy(c->in, data + 1 + n, inlen);
	c->in_len = inlen;
	scan(c);
	/* Only buffered frames: with none, the library would read. */
	while (c->in_frames > 0 && c->pq_count > 0) {
		if (taken++ == n)
			fail("more replies than requests", NULL);
		r = NULL;
		rc = qcreg_next_reply(c, &r);
		check_text(qcreg_errmsg(c), "errmsg");
		if (rc < 0) {
			if (r != NULL)
				fail("failure with a reply", NULL);
			if (rc == QCREG_E_PROTO && qcreg_alive(c))
				fail("protocol failure left the connection "
				    "alive", NULL);
			if (!qcreg_alive(c))
				break;
			continue;
		}
		if (r == NULL)
			fail("no reply and no failure", NULL);
		check_decoded(c, r, rc);
		qcreg_reply_free(r);
	}
	qcreg_close(c);
	return 0;
}
