/*
 * Helpers every text view uses: JSON paths, figures, leap words.
 */
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/view.h"

struct json_object *view_get(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

struct json_object *view_object(struct json_object *o, const char *path)
{
	struct json_object *v = view_get(o, path);

	return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

struct json_object *view_array(struct json_object *o, const char *path)
{
	struct json_object *v = view_get(o, path);

	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* What the daemon sends is printed on a serial console: a byte that is
   not printable ASCII (an escape sequence, UTF-8, a bell) becomes '?'. */
static void printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

const char *view_clean(const char *raw)
{
	static char bufs[16][512];
	static unsigned int k;
	char *b = bufs[k++ % 16];

	printable(b, sizeof(bufs[0]), raw ? raw : "");
	return b;
}

const char *view_str(struct json_object *o, const char *path, const char *def)
{
	struct json_object *v = view_get(o, path);
	const char *raw = v ? json_object_get_string(v) : def;

	return raw ? view_clean(raw) : def;
}

void view_put_text(FILE *out, struct json_object *o, const char *path)
{
	struct json_object *v = view_get(o, path);
	const char *t = v ? json_object_get_string(v) : NULL;

	for (; t && *t; t++)
		fputc((*t >= 0x20 && *t < 0x7f) || *t == '\n' || *t == '\t' ? *t : '?', out);
}

double view_num(struct json_object *o, const char *path, double def)
{
	struct json_object *v = view_get(o, path);

	return v ? json_object_get_double(v) : def;
}

int view_int(struct json_object *o, const char *path, int def)
{
	double v = view_num(o, path, def);

	/* a reply's number need not fit: casting it would be undefined */
	return v >= INT_MIN && v <= INT_MAX ? (int)v : def;
}

bool view_has(struct json_object *o, const char *path)
{
	return view_get(o, path) != NULL;
}

const char *view_flag(struct json_object *o, const char *path)
{
	struct json_object *v = view_get(o, path);

	if (!v)
		return "?";
	return json_object_get_boolean(v) ? "1" : "0";
}

const char *view_seconds(double s, char *buf, size_t len)
{
	double a = fabs(s);

	if (a < 1e-6)
		snprintf(buf, len, "%+.0f ns", s * 1e9);
	else if (a < 1e-3)
		snprintf(buf, len, "%+.3f us", s * 1e6);
	else if (a < 1)
		snprintf(buf, len, "%+.3f ms", s * 1e3);
	else
		snprintf(buf, len, "%+.3f s", s);
	return buf;
}

const char *view_leap_text(int leap)
{
	switch (leap) {
	case 0:
		return "Normal";
	case 1:
		return "Insert second";
	case 2:
		return "Delete second";
	default:
		return "Not synchronised";
	}
}
