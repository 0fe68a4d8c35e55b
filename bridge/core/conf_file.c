/*
 * `bridgectl config set`: one key changed in the file, the rest of the file
 * (comments, order, other keys) kept.  The new text is checked whole by the
 * parser before it replaces the old file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_file.h"
#include "bridge/core/conf_table.h"

/* As long as a line the parser accepts. */

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
	size_t olen = 0, len = 0, cap = 0;
	bool done = false, in_target = false;
	const char *s, *e;
	struct bridge_conf tmp;
	int rc = -1;
	char line[CONF_LINE_MAX];

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
	if (conf_file_read(path, &old, &olen, errs) < 0)
		goto out;

	if (snprintf(line, sizeof(line), "%s = %s\n", key, value) >= (int)sizeof(line)) {
		file_error(errs, path, "%s.%s: line too long (at most %d characters)", section, key,
			   CONF_LINE_MAX - 2);
		goto out;
	}
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
	if (conf_file_write(path, out, len, errs) < 0)
		goto out;
	rc = 0;
out:
	free(old);
	free(out);
	return rc;
}

int conf_file_read(const char *path, char **text, size_t *len, struct conf_errors *errs)
{
	char *buf = NULL, chunk[4096];
	size_t n = 0, cap = 0, got;
	FILE *fp = fopen(path, "re");

	*text = NULL;
	*len = 0;
	if (!fp) {
		file_error(errs, path, "cannot open: %s", strerror(errno));
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (n + got > CONF_FILE_MAX || append(&buf, &n, &cap, chunk, got) < 0) {
			file_error(errs, path, "larger than %d bytes, or out of memory",
				   CONF_FILE_MAX);
			fclose(fp);
			free(buf);
			return -1;
		}
	}
	fclose(fp);
	if (!buf && append(&buf, &n, &cap, "", 0) < 0)
		return -1;
	*text = buf;
	*len = n;
	return 0;
}

/* Temporaries of ours a killed writer left beside the file (".NAME.XXXXXX",
   regular, our own, untouched for a minute) go; anything else stays. */
#define CONF_TMP_STALE_S 60

static void remove_stale_temporaries(int dfd, const char *base)
{
	size_t blen = strlen(base);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;

		if (n[0] != '.' || strncmp(n + 1, base, blen) || n[1 + blen] != '.' ||
		    strlen(n + 2 + blen) != 6)
			continue;
		if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() || time(NULL) - st.st_mtime < CONF_TMP_STALE_S)
			continue;
		(void)!unlinkat(dfd, n, 0);
	}
	closedir(d);
}

/*
 * Replace the file whole, so that a reader (or a power cut) sees the old
 * file or the new one, never a mix: a temporary made with O_EXCL in the
 * file's own directory, the old mode and owner, fsync, rename over the
 * file, fsync of the directory.  A symlink is written through: its target
 * changes, the link stays.  A writer killed between the two leaves its
 * temporary; the next write removes it once it is a minute old.
 */
int conf_file_write(const char *path, const char *text, size_t len, struct conf_errors *errs)
{
	char target[PATH_MAX], tmp[PATH_MAX + 16], *slash;
	struct stat st;
	int fd, dfd;

	if (!realpath(path, target)) {
		file_error(errs, path, "cannot resolve: %s", strerror(errno));
		return -1;
	}
	if (stat(target, &st) < 0 || !S_ISREG(st.st_mode)) {
		file_error(errs, path, "%s is not a regular file", target);
		return -1;
	}
	slash = strrchr(target, '/');
	snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - target), target, slash + 1);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		file_error(errs, path, "cannot create a temporary next to %s: %s", target,
			   strerror(errno));
		return -1;
	}
	/* root keeps the owner; anyone else keeps what they can */
	if (fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0)
		goto fail;
	if (fchmod(fd, st.st_mode & 07777) < 0 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) < 0)
		goto fail;
	*slash = '\0';
	dfd = open(*target ? target : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)!fsync(dfd);
		remove_stale_temporaries(dfd, slash + 1);
		close(dfd);
	}
	return 0;
fail:
	file_error(errs, path, "cannot write %s: %s", target, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
