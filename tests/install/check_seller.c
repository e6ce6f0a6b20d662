/*
 * A platform's program built against the installed libqcreg (with
 * pkg-config --cflags --libs qcreg): checks the subjects of its command
 * line and prints each verdict. The install test builds and runs it.
 *
 *   check_seller HOST PORT CA CERT KEY SUBJECT...
 */
#include <stdio.h>
#include <stdlib.h>

#include <qcreg.h>

int
main(int argc, char *argv[])
{
	struct qcreg_opts	 o = { argv[3], argv[4], argv[5], 0 };
	struct qcreg_check	*k;
	struct qcreg		*c;
	char			 err[256];
	size_t			 i;
	int			 rc;

	if (argc < 7) {
		fprintf(stderr, "usage: check_seller HOST PORT CA CERT KEY "
		    "SUBJECT...\n");
		return 2;
	}
	if (qcreg_connect(&c, argv[1], (unsigned)atoi(argv[2]), &o, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "connect: %s\n", err);
		return 2;
	}
	if ((rc = qcreg_check(c, (const char *const *)argv + 6,
	    (size_t)argc - 6, NULL, 0, &k)) != 0) {
		fprintf(stderr, "check: %s\n", qcreg_errmsg(c));
		qcreg_close(c);
		return 2;
	}
	for (i = 0; i < k->n; i++)
		printf("%s %s\n", k->items[i].subject,
		    k->items[i].error != 0 ? "invalid_subject" :
		    qcreg_verdict_name(k->items[i].verdict));
	qcreg_check_free(k);
	printf("server %s, principal %s\n", qcreg_server(c),
	    qcreg_principal(c));
	qcreg_close(c);
	return 0;
}
