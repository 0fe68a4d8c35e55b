/*
 * `bridgectl config set`: one key changed in the file, the rest of the file
 * (comments, order, other keys) kept.  The new text is checked whole by the
 * parser before it replaces the old file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_file.h"
#include "bridge/core/conf_table.h"

/* As long as a line the parser accepts. */
#define LINE_MAX_LEN 200

static void file_error(struct conf_errors *errs, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void file_error(struct conf_errors *errs, const char *path, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (!errs)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errs->count < CONF_MAX_ERRORS)
		snprintf(errs->msg[errs->count], sizeof(errs->msg[0]), "%s: %s", path, msg);
	errs->count++;
}

static void trim_in_place(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap + n + 1) * 2;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Section name of a header line, or NULL. */
static bool header_name(const char *line, size_t n, char *name, size_t len)
{
	while (n && isspace((unsigned char)*line)) {
		line++;
		n--;
	}
	if (!n || *line != '[')
		return false;
	const char *end = memchr(line, ']', n);

	if (!end)
		return false;
	snprintf(name, len, "%.*s", (int)(end - line - 1), line + 1);
	trim_in_place(name);
	return true;
}

static bool key_line(const char *line, size_t n, const char *key)
{
	size_t kl = strlen(key);

	while (n && isspace((unsigned char)*line)) {
		line++;
		n--;
	}
	if (n < kl || strncmp(line, key, kl))
		return false;
	line += kl;
	n -= kl;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	return n && (*line == '=' || *line == ':');
}

int conf_file_set(const char *path, const char *section, const char *key,
		     const char *value, struct conf_errors *errs)
{
	char *old = NULL, *out = NULL, cur[CONF_NAME_MAX] = "";
	size_t olen = 0, ocap = 0, len = 0, cap = 0;
	bool done = false, in_target = false;
	const char *s, *e;
	struct bridge_conf tmp;
	FILE *fp;
	int rc = -1;
	char line[LINE_MAX_LEN];

	if (errs)
		errs->count = 0;
	if (strchr(value, '\n') || strchr(key, '=') || strchr(key, '[')) {
		file_error(errs, path, "%s.%s: value must be one line", section, key);
		goto out;
	}
	if (conf_table_section(section) < 0) {
		file_error(errs, path, "[%s]: unknown section", section);
		goto out;
	}
	fp = fopen(path, "r");
	if (!fp) {
		file_error(errs, path, "cannot open: %s", strerror(errno));
		goto out;
	}
	char chunk[4096];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (append(&old, &olen, &ocap, chunk, got) < 0)
			break;
	}
	fclose(fp);
	if (!old && append(&old, &olen, &ocap, "", 0) < 0)
		goto out;

	snprintf(line, sizeof(line), "%s = %s\n", key, value);
	/* Replace the first line of the key in its section, drop its other
	   lines; or add it at the end of the section, or a new section. */
	for (s = old; *s; s = e) {
		e = strchr(s, '\n');
		e = e ? e + 1 : s + strlen(s);
		size_t n = (size_t)(e - s);
		char name[CONF_NAME_MAX];

		if (header_name(s, n, name, sizeof(name))) {
			if (in_target && !done) {
				append(&out, &len, &cap, line, strlen(line));
				done = true;
			}
			snprintf(cur, sizeof(cur), "%s", name);
			in_target = !strcmp(cur, section);
		} else if (in_target && key_line(s, n, key)) {
			if (!done)
				append(&out, &len, &cap, line, strlen(line));
			done = true;
			continue;
		}
		append(&out, &len, &cap, s, n);
		if (n && s[n - 1] != '\n')
			append(&out, &len, &cap, "\n", 1);
	}
	if (!done) {
		if (!in_target) {
			char hdr[CONF_NAME_MAX + 8];

			snprintf(hdr, sizeof(hdr), "%s[%s]\n", len ? "\n" : "", section);
			append(&out, &len, &cap, hdr, strlen(hdr));
		}
		append(&out, &len, &cap, line, strlen(line));
	}
	if (!out)
		goto out;

	/* The whole new file must be valid before it replaces the old one. */
	if (conf_load_string(path, out, &tmp, errs) < 0)
		goto out;
	char tmpname[CONF_PATH_MAX + 16];
	struct stat st;
	int fd;

	snprintf(tmpname, sizeof(tmpname), "%s.new", path);
	fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		file_error(errs, path, "cannot write %s: %s", tmpname, strerror(errno));
		goto out;
	}
	if (stat(path, &st) == 0)
		(void)!fchmod(fd, st.st_mode & 07777);
	if (write(fd, out, len) != (ssize_t)len || fsync(fd) < 0) {
		file_error(errs, path, "cannot write %s: %s", tmpname, strerror(errno));
		close(fd);
		unlink(tmpname);
		goto out;
	}
	close(fd);
	if (rename(tmpname, path) < 0) {
		file_error(errs, path, "cannot replace: %s", strerror(errno));
		unlink(tmpname);
		goto out;
	}
	rc = 0;
out:
	free(old);
	free(out);
	return rc;
}
