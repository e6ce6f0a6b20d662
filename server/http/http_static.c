/*
 * The web console's files (console in [server]): GET / is index.html,
 * GET /console/NAME a file of the directory. Names are plain (letters,
 * digits, '-', '_', one '.'): nothing outside the directory can be
 * named. Files are read at each request: they are small and few.
 */
#include <event2/buffer.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_int.h"

#define STATIC_MAX	(4 * 1024 * 1024)

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
};

/* The content type of a plain name, or NULL if it is not one. */
static const char *
static_type(const char *name)
{
	const char	*dot = NULL, *p;
	size_t		 i;

	if (*name == '\0' || *name == '.')
		return NULL;
	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (dot != NULL)
				return NULL;
			dot = p;
		} else if (!((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_'))
			return NULL;
	}
	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

int
http_static(struct http_front *hf, struct evhttp_request *req,
    const char *path)
{
	const struct config	*cfg = hf->hf_w->w_srv->s_cfg;
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	const char		*name, *type;
	char			 file[1200];
	struct stat		 sb;
	int			 fd;

	if (strcmp(path, "/") == 0)
		name = "index.html";
	else if (strncmp(path, "/console/", 9) == 0)
		name = path + 9;
	else
		return 0;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_reply_method(req, "GET");
		return 1;
	}
	if ((type = static_type(name)) == NULL ||
	    (size_t)snprintf(file, sizeof(file), "%s/%s", cfg->console_dir,
	    name) >= sizeof(file) || (fd = open(file, O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		http_reply_error(req, QC_E_NOT_FOUND, "no such file");
		return 1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > STATIC_MAX || evbuffer_add_file(
	    evhttp_request_get_output_buffer(req), fd, 0, sb.st_size) == -1) {
		close(fd);
		http_reply_error(req, QC_E_NOT_FOUND, "no such file");
		return 1;
	}
	http_headers(req);
	/* The console's files may be cached a little; the API never is. */
	evhttp_remove_header(h, "Cache-Control");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "Content-Type", type);
	evhttp_send_reply(req, 200, "OK", NULL);
	return 1;
}
