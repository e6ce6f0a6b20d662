/*
 * A main() for building the libFuzzer targets without libFuzzer (gcc has
 * none): runs LLVMFuzzerTestOneInput once on each file given, or on each
 * file of each directory given, so that the checked-in corpus replays
 * under the gcc ASan/UBSan build. Exits 0 when every input ran; a finding
 * aborts through the sanitizer.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int	 replay_file(const char *);
static int	 replay_dir(const char *);
static int	 read_file(const char *, uint8_t **, size_t *);

/* Reads a whole file into an allocation of exactly its size. */
static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	FILE	*f;
	uint8_t	*buf = NULL, *p;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((p = malloc(len ? len : 1)) == NULL) {
		free(buf);
		return -1;
	}
	if (len > 0)
		memcpy(p, buf, len);
	free(buf);
	*out = p;
	*outlen = len;
	return 0;
}

static int
replay_file(const char *path)
{
	uint8_t	*data;
	size_t	 len;

	if (read_file(path, &data, &len) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/* Every regular file of dir, in name order. */
static int
replay_dir(const char *dir)
{
	struct dirent	**ents;
	struct stat	 st;
	char		 path[4096];
	int		 n, i, rc = 0, count = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) == -1)
				rc = -1;
			else
				count++;
		}
		free(ents[i]);
	}
	free(ents);
	return rc == -1 ? -1 : count;
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	int		 i, n, total = 0, failed = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if ((n = replay_dir(argv[i])) == -1)
				failed = 1;
			else
				total += n;
		} else if (replay_file(argv[i]) == -1)
			failed = 1;
		else
			total++;
	}
	printf("replayed %d input(s)\n", total);
	return failed ? 1 : 0;
}
