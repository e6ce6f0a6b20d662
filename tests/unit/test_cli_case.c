/*
 * The command line's procedure parts that need no server: FIELD=VALUE
 * arguments typed by the hello schema (cli_fields.c), and how cases,
 * disputes, proposals and escalations print (cli_case_print.c,
 * pr_entry). The connection is made in memory with a hand-made hello.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "msg.h"
#include "qcreg_int.h"
#include "testlib.h"

/* A msgpack value packed by a test, then unpacked. */
/* What a printer wrote. */
struct out {
	char	*buf;
	size_t	 len;
};

static struct qcreg *conn_new(void);
static void	 cli_begin(struct cli *, struct out *);
static void	 cli_end(struct cli *);

/*
 * A connection whose hello names one list, tourism, with a labelled enum
 * field category and an int field score.
 */
static struct qcreg *
conn_new(void)
{
	struct qcreg		*c;
	struct qcreg_reply	*r;
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	size_t			 off = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "lists");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "name");
	tl_pack_str(&pk, "tourism");
	tl_pack_str(&pk, "fields");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 3);
	tl_pack_str(&pk, "name");
	tl_pack_str(&pk, "category");
	tl_pack_str(&pk, "type");
	tl_pack_str(&pk, "enum");
	tl_pack_str(&pk, "labels");
	msgpack_pack_map(&pk, 1);
	tl_pack_str(&pk, "unlicensed_guide");
	tl_pack_str(&pk, "未经许可从事导游活动");
	msgpack_pack_map(&pk, 2);
	tl_pack_str(&pk, "name");
	tl_pack_str(&pk, "score");
	tl_pack_str(&pk, "type");
	tl_pack_str(&pk, "int");

	c = calloc(1, sizeof(*c));
	r = calloc(1, sizeof(*r) + sb.size);
	assert_non_null(c);
	assert_non_null(r);
	c->fd = -1;
	c->stop_fd = -1;
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_init(&c->req);
	memcpy(r->r_body, sb.data, sb.size);
	r->r_len = sb.size;
	msgpack_unpacked_init(&r->r_up);
	assert_int_equal(msgpack_unpack_next(&r->r_up, r->r_body, r->r_len,
	    &off), MSGPACK_UNPACK_SUCCESS);
	r->r_result = &r->r_up.data;
	c->hello = r;
	msgpack_sbuffer_destroy(&sb);
	return c;
}

/* A command line that writes into o. */
static void
cli_begin(struct cli *cli, struct out *o)
{
	memset(cli, 0, sizeof(*cli));
	memset(o, 0, sizeof(*o));
	cli->c = conn_new();
	cli->hello = qcreg_hello_result(cli->c);
	cli->tz = 8 * 60;
	cli->out = open_memstream(&o->buf, &o->len);
	assert_non_null(cli->out);
}

/* Closes the output (o->buf then holds it) and the connection. */
static void
cli_end(struct cli *cli)
{
	assert_int_equal(fclose(cli->out), 0);
	qcreg_close(cli->c);
}

/* Typed by the schema: score is an int on tourism, a string elsewhere. */
static void
test_fields_parse(void **state)
{
	struct cli		 cli;
	struct out		 o;
	struct qcreg_field	*f;
	char			 a0[] = "name=张某", a1[] = "score=55",
				 a2[] = "reason=a=b", a3[] = "score=5x",
				 a4[] = "=x", a5[] = "name", a6[] = "n=1",
				 a7[] = "n=2", a8[] = "score=7";
	char			*ok[] = { a0, a1, a2 }, *bad_int[] = { a3 },
				*no_name[] = { a4 }, *no_eq[] = { a5 },
				*twice[] = { a6, a7 }, *plain[] = { a8 };

	(void)state;
	cli_begin(&cli, &o);
	assert_int_equal(cli_fields_parse(&cli, "tourism", ok, 3, &f), CLI_OK);
	assert_string_equal(f[0].name, "name");
	assert_int_equal(f[0].type, QCREG_V_STR);
	assert_string_equal(f[0].str, "张某");
	assert_string_equal(f[1].name, "score");
	assert_int_equal(f[1].type, QCREG_V_INT);
	assert_int_equal(f[1].num, 55);
	assert_string_equal(f[2].name, "reason");
	assert_string_equal(f[2].str, "a=b");	/* the first '=' splits */
	free(f);

	/* No list (a case whose list is unknown): every field a string. */
	assert_int_equal(cli_fields_parse(&cli, NULL, plain, 1, &f), CLI_OK);
	assert_int_equal(f[0].type, QCREG_V_STR);
	assert_string_equal(f[0].str, "7");
	free(f);
	assert_int_equal(cli_fields_parse(&cli, "tourism", NULL, 0, &f),
	    CLI_OK);
	assert_null(f);

	assert_int_equal(cli_fields_parse(&cli, "tourism", bad_int, 1, &f),
	    CLI_ERR);
	assert_null(f);
	assert_int_equal(cli_fields_parse(&cli, "tourism", no_name, 1, &f),
	    CLI_ERR);
	assert_int_equal(cli_fields_parse(&cli, "tourism", no_eq, 1, &f),
	    CLI_ERR);
	assert_int_equal(cli_fields_parse(&cli, "tourism", twice, 2, &f),
	    CLI_ERR);
	assert_null(f);
	cli_end(&cli);
	free(o.buf);
}

static void
test_kind_labels(void **state)
{
	(void)state;
	assert_string_equal(pr_kind_label("notice", 6), "告知");
	assert_string_equal(pr_kind_label("objection", 9), "异议");
	assert_string_equal(pr_kind_label("repair", 6), "信用修复");
	assert_null(pr_kind_label("notices", 7));
	assert_null(pr_kind_label("notice", 5));
	assert_null(pr_kind_label("", 0));
}

/* Disputes and escalations, server text sanitized. */
static void
test_dispute_escalation(void **state)
{
	struct cli	 cli;
	struct out	 o;
	struct tl_mp	 m;

	(void)state;
	cli_begin(&cli, &o);
	pr_disputed(cli.out, 57);
	putc('\n', cli.out);
	pr_escalation(cli.out, "tourism-watch", "tour\x1bism", 1,
	    "2025-11-01", "2026-03-01");
	putc('\n', cli.out);
	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 5);
	tl_pack_str(&m.pk, "list");
	tl_pack_str(&m.pk, "tourism-watch");
	tl_pack_str(&m.pk, "to");
	tl_pack_str(&m.pk, "tourism");
	tl_pack_str(&m.pk, "count");
	msgpack_pack_uint64(&m.pk, 2);
	tl_pack_str(&m.pk, "first");
	tl_pack_str(&m.pk, "2025-11-01");
	tl_pack_str(&m.pk, "last");
	msgpack_pack_uint64(&m.pk, 7);		/* not a str: shown as ? */
	pr_escalation_obj(cli.out, tl_mp_obj(&m));
	tl_mp_free(&m);
	cli_end(&cli);
	assert_string_equal(o.buf,
	    "case 57 (异议处理中)\n"
	    "tourism-watch -> tour?ism: 1 listing, 2025-11-01 .. 2026-03-01 "
	    "(待决定)\n"
	    "tourism-watch -> tourism: 2 listings, 2025-11-01 .. ? (待决定)");
	free(o.buf);
}

/* get's proposed listings, with labels, and a disputed entry. */
static void
test_proposed_and_disputed(void **state)
{
	struct cli	 cli;
	struct out	 o;
	struct tl_mp	 m;

	(void)state;
	cli_begin(&cli, &o);
	tl_mp_init(&m);
	msgpack_pack_array(&m.pk, 1);
	msgpack_pack_map(&m.pk, 5);
	tl_pack_str(&m.pk, "list");
	tl_pack_str(&m.pk, "tourism");
	tl_pack_str(&m.pk, "case");
	msgpack_pack_uint64(&m.pk, 57);
	tl_pack_str(&m.pk, "deadline");
	tl_pack_str(&m.pk, "2027-01-05");
	tl_pack_str(&m.pk, "provisional");
	msgpack_pack_true(&m.pk);
	tl_pack_str(&m.pk, "fields");
	msgpack_pack_map(&m.pk, 2);
	tl_pack_str(&m.pk, "name");
	tl_pack_str(&m.pk, "张某");
	tl_pack_str(&m.pk, "category");
	tl_pack_str(&m.pk, "unlicensed_guide");
	pr_proposed(&cli, tl_mp_obj(&m), 2);
	tl_mp_free(&m);

	tl_mp_init(&m);
	msgpack_pack_map(&m.pk, 9);
	tl_pack_str(&m.pk, "list");
	tl_pack_str(&m.pk, "tourism");
	tl_pack_str(&m.pk, "version");
	msgpack_pack_uint64(&m.pk, 1);
	tl_pack_str(&m.pk, "status");
	tl_pack_str(&m.pk, "listed");
	tl_pack_str(&m.pk, "state");
	tl_pack_str(&m.pk, "active");
	tl_pack_str(&m.pk, "fields");
	msgpack_pack_map(&m.pk, 1);
	tl_pack_str(&m.pk, "name");
	tl_pack_str(&m.pk, "张某");
	tl_pack_str(&m.pk, "disputed");
	msgpack_pack_uint64(&m.pk, 58);
	tl_pack_str(&m.pk, "at");
	msgpack_pack_uint64(&m.pk, 1772323200);
	tl_pack_str(&m.pk, "seq");
	msgpack_pack_uint64(&m.pk, 41);
	tl_pack_str(&m.pk, "case");
	msgpack_pack_uint64(&m.pk, 40);
	pr_entry(&cli, tl_mp_obj(&m), 2);
	tl_mp_free(&m);
	cli_end(&cli);
	assert_string_equal(o.buf,
	    "  tourism  proposed  notice case 57, deadline 2027-01-05 "
	    "(provisional)\n"
	    "    name      张某\n"
	    "    category  unlicensed_guide (未经许可从事导游活动)\n"
	    "  tourism  v1  active\n"
	    "    name      张某\n"
	    "    disputed  case 58 (异议处理中)\n"
	    "    written   2026-03-01 08:00:00 +08:00, seq 41, case 40\n");
	free(o.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_parse),
		cmocka_unit_test(test_kind_labels),
		cmocka_unit_test(test_dispute_escalation),
		cmocka_unit_test(test_proposed_and_disputed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
