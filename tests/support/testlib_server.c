/*
 * Helpers of the unit tests of the daemon's layers (testlib.h): a
 * config from text, a temporary directory and a store's removal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "testlib.h"

int
tl_tmpdir(char *out, size_t cap, const char *name)
{
	const char	*t = getenv("TMPDIR");

	snprintf(out, cap, "%s/qcreg-test-%s.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp", name);
	return mkdtemp(out) == NULL ? -1 : 0;
}

int
tl_rmstore(const char *dir)
{
	char	 p[4200];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	return rmdir(dir);
}

struct config *
tl_config(const char *text)
{
	const char	*t = getenv("TMPDIR");
	char		 path[512], err[1024];
	struct config	*cfg;
	FILE		*f;
	int		 fd;

	snprintf(path, sizeof(path), "%s/qcreg-test-conf.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return NULL;
	}
	if (fputs(text, f) < 0) {
		fclose(f);
		unlink(path);
		return NULL;
	}
	if (fclose(f) != 0) {
		unlink(path);
		return NULL;
	}
	cfg = config_load(path, err, sizeof(err));
	unlink(path);
	if (cfg == NULL)
		fprintf(stderr, "%s\n", err);
	return cfg;
}
