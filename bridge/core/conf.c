/*
 * The unified configuration: bridge.conf parsed with libinih into a typed
 * struct bridge_conf, driven entirely by conf_table.
 *
 * libinih does the tokenising.  Our reader in front of it feeds it exactly
 * one physical line per call, so we know every line number, see section
 * headers (inih reports only key = value pairs), strip leading blanks (so
 * inih never joins an indented line to the previous value) and strip
 * " # comments" (inih only knows ';' inline).
 *
 * A parse works on a fresh struct; the caller's copy is written only when
 * the whole file is valid, so a bad file never half-applies.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_parse.h"
#include "bridge/core/conf_table.h"

static conf_passthrough_check passthrough_check;
static conf_addr_check addr_check;
static const struct bridge_conf *addr_known;

void conf_set_addr_check(conf_addr_check check)
{
	addr_check = check;
}

void conf_set_addr_known(const struct bridge_conf *known)
{
	addr_known = known;
}

/* Is a already in the same list of the known config? */
static bool addr_is_known(const struct conf_item *it, const struct conf_addr *a)
{
	const char *base = (const char *)addr_known;
	int n;

	if (!addr_known)
		return false;
	memcpy(&n, base + it->count_off, sizeof(n));
	for (int k = 0; k < n; k++) {
		const struct conf_addr *b =
			(const struct conf_addr *)(base + it->off + (size_t)k * it->size);

		if (conf_addr_equal(a, b))
			return true;
	}
	return false;
}

void conf_set_passthrough_check(conf_passthrough_check check)
{
	passthrough_check = check;
}

/* --- value parsers ------------------------------------------------------- */

/* Printable ASCII without blanks: what an interface name may hold here. */
static bool ascii_graph(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool conf_cidr_match(const struct conf_cidr *c, const struct conf_addr *addr)
{
	const uint8_t *a, *n;
	int full, rest;

	if (c->addr.family != addr->family)
		return false;
	a = addr->family == AF_INET ? (const uint8_t *)&addr->v4 : addr->v6.s6_addr;
	n = c->addr.family == AF_INET ? (const uint8_t *)&c->addr.v4 : c->addr.v6.s6_addr;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, n, (size_t)full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		if ((a[full] & mask) != (n[full] & mask))
			return false;
	}
	return true;
}

bool conf_addr_equal(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->family == b->family &&
	       (a->family == AF_INET ? !memcmp(&a->v4, &b->v4, sizeof(a->v4)) :
				       !memcmp(&a->v6, &b->v6, sizeof(a->v6)));
}

const char *conf_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 :
							 (const void *)&a->v6, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* --- the parse ----------------------------------------------------------- */

struct parse_ctx {
	const char *name;		/* file name for messages */
	struct bridge_conf conf;	/* fresh: defaults, then the file */
	struct conf_errors *errs;
	int nerr;
	int line;			/* current physical line */
	int item_line[CONF_TABLE_MAX];	/* where each table item was last set */
	bool item_seen[CONF_TABLE_MAX];
	bool item_bad[CONF_TABLE_MAX];	/* given, with a value refused */
	char section[CONF_NAME_MAX];	/* from our reader, for messages */
	int section_line[8];		/* line of each known section header */
	/* reader state */
	const char *text;		/* string input, or */
	FILE *fp;			/* file input */
};

static void add_error(struct parse_ctx *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct parse_ctx *p, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->errs && p->nerr < CONF_MAX_ERRORS) {
		if (line > 0)
			snprintf(p->errs->msg[p->nerr], sizeof(p->errs->msg[0]), "%s:%d: %s",
				 p->name, line, msg);
		else
			snprintf(p->errs->msg[p->nerr], sizeof(p->errs->msg[0]), "%s: %s",
				 p->name, msg);
	}
	p->nerr++;
	if (p->errs)
		p->errs->count = p->nerr;
}

/* Edit distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	int row[CONF_NAME_MAX + 1];

	if (la > CONF_NAME_MAX || lb > CONF_NAME_MAX)
		return INT_MAX;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int prev = row[0];

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int cur = row[j];
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const struct conf_item *closest_key(const char *section, const char *key)
{
	const struct conf_item *best = NULL;
	int best_d = INT_MAX;
	/* Close means at most a third of the name changed (and at least 1). */
	int limit = 1 + (int)strlen(key) / 3;

	for (size_t i = 0; i < conf_table_len; i++) {
		int dl = (int)strlen(key) - (int)strlen(conf_table[i].key);

		/* The distance is at least the difference of the lengths. */
		if (dl > limit || -dl > limit)
			continue;
		int d = distance(key, conf_table[i].key);

		/* Prefer the same section on a tie. */
		if (d < best_d || (d == best_d && best && strcmp(best->section, section) &&
				   !strcmp(conf_table[i].section, section))) {
			best_d = d;
			best = &conf_table[i];
		}
	}
	if (best && best_d <= limit)
		return best;
	return NULL;
}

static int enum_value(const struct conf_enum *ch, const char *s, int *v)
{
	for (int i = 0; ch[i].name; i++) {
		if (!strcasecmp(ch[i].name, s)) {
			*v = ch[i].value;
			return 0;
		}
	}
	return -1;
}

/*
 * Parse value into the field of item it in c.  For a repeatable key the
 * value is appended.  @return 0, or -1 with why filled.
 */
static int set_value(struct bridge_conf *c, const struct conf_item *it, const char *value,
		     char *why, size_t whylen)
{
	char *field = (char *)c + it->off;
	char rng[64];

	switch (it->type) {
	case CT_BOOL:
		if (conf_parse_bool(value, (bool *)field) < 0) {
			snprintf(why, whylen, "'%s' is not yes or no", value);
			return -1;
		}
		return 0;
	case CT_INT: {
		char *e;
		long v;

		errno = 0;
		v = strtol(value, &e, 10);
		if (!*value || *e || errno) {
			snprintf(why, whylen, "'%s' is not an integer", value);
			return -1;
		}
		if (v < it->min || v > it->max) {
			conf_table_range_text(it, rng, sizeof(rng));
			snprintf(why, whylen, "%ld is out of range %s", v, rng);
			return -1;
		}
		*(int *)field = (int)v;
		return 0;
	}
	case CT_DOUBLE: {
		const char *e;
		double v;

		if (conf_parse_double(value, &v, &e) < 0 || *e) {
			snprintf(why, whylen, "'%s' is not a number", value);
			return -1;
		}
		if (v < it->min || v > it->max) {
			conf_table_range_text(it, rng, sizeof(rng));
			snprintf(why, whylen, "%s is out of range %s", value, rng);
			return -1;
		}
		*(double *)field = v;
		return 0;
	}
	case CT_SIZE: {
		uint64_t v;

		if (conf_parse_size(value, &v) < 0) {
			snprintf(why, whylen, "'%s' is not a size (bytes, or with K, M, G)", value);
			return -1;
		}
		if ((double)v < it->min || (double)v > it->max) {
			snprintf(why, whylen, "%s is out of range %.0fK..%.0fG", value,
				 it->min / 1024, it->max / (1024.0 * 1024 * 1024));
			return -1;
		}
		*(uint64_t *)field = v;
		return 0;
	}
	case CT_DURATION: {
		double v;

		if (conf_parse_duration(value, &v) < 0) {
			snprintf(why, whylen, "'%s' is not a duration (s, or with ms, s, m, h, d)",
				 value);
			return -1;
		}
		if (v < it->min || v > it->max) {
			conf_table_range_text(it, rng, sizeof(rng));
			snprintf(why, whylen, "%s is out of range %s s", value, rng);
			return -1;
		}
		*(double *)field = v;
		return 0;
	}
	case CT_STRING:
	case CT_PATH:
	case CT_IFNAME:
		if (strlen(value) >= it->size) {
			snprintf(why, whylen, "too long (at most %zu characters)", it->size - 1);
			return -1;
		}
		if (it->type == CT_PATH && *value && *value != '/') {
			snprintf(why, whylen, "'%s' is not an absolute path", value);
			return -1;
		}
		if ((it->flags & CONF_SOCKET) && conf_socket_path_ok(value, why, whylen) < 0)
			return -1;
		if (it->type == CT_IFNAME && (!*value || strpbrk(value, "/:") || !ascii_graph(value) ||
					      !strcmp(value, ".") || !strcmp(value, ".."))) {
			snprintf(why, whylen, "'%s' is not an interface name", value);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case CT_ENUM: {
		bool b;

		/* yes/no choices take every spelling a yes/no key takes */
		if (enum_value(it->choices, value, (int *)field) == 0 ||
		    (conf_parse_bool(value, &b) == 0 &&
		     enum_value(it->choices, b ? "yes" : "no", (int *)field) == 0))
			return 0;
		char list[128];

		conf_table_enum_list(it->choices, list, sizeof(list));
		snprintf(why, whylen, "'%s' is not one of %s", value, list);
		return -1;
	}
	case CT_RATELIMIT:
		return conf_parse_ratelimit(value, (struct conf_ratelimit *)field, why, whylen);
	case CT_ADDR:
	case CT_CIDR: {
		int *count = (int *)((char *)c + it->count_off);
		char buf[CONF_LINE_MAX], *save = NULL, *tok;
		int n = 0;

		snprintf(buf, sizeof(buf), "%s", value);
		for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
			n++;
			if (it->type == CT_ADDR && n > 1) {
				snprintf(why, whylen, "one address per line");
				return -1;
			}
			if (*count + 1 + (it->type == CT_CIDR && !strcasecmp(tok, "all")) > it->max_count) {
				snprintf(why, whylen, "too many entries (at most %d)", it->max_count);
				return -1;
			}
			if (it->type == CT_ADDR) {
				struct conf_addr *a = (struct conf_addr *)(field + it->size * (size_t)*count);

				if (conf_parse_addr(tok, a) < 0) {
					snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address", tok);
					return -1;
				}
				if (a->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->v6)) {
					snprintf(why, whylen, "'%s' is an IPv4-mapped address: write it as IPv4",
						 tok);
					return -1;
				}
				for (int k = 0; k < *count; k++) {
					const struct conf_addr *o = (const struct conf_addr *)
						(field + it->size * (size_t)k);

					if (conf_addr_equal(o, a)) {
						snprintf(why, whylen, "%s is listed twice", tok);
						return -1;
					}
				}
			} else if (!strcasecmp(tok, "all")) {
				struct conf_cidr *cd = (struct conf_cidr *)(field + it->size * (size_t)*count);

				conf_parse_cidr("0.0.0.0/0", &cd[0]);
				conf_parse_cidr("::/0", &cd[1]);
				(*count)++;
			} else {
				struct conf_cidr *cd = (struct conf_cidr *)(field + it->size * (size_t)*count);

				if (conf_parse_cidr(tok, cd) < 0) {
					snprintf(why, whylen, "'%s' is not an address or prefix (a.b.c.d/n, x::/n or all; "
						 "a prefix of 0 is all)", tok);
					return -1;
				}
			}
			(*count)++;
		}
		if (!n) {
			snprintf(why, whylen, "empty value");
			return -1;
		}
		return 0;
	}
	}
	snprintf(why, whylen, "bug: unknown type");
	return -1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *p = user;
	const struct conf_item *it;
	char why[200];

	if (!*section) {
		add_error(p, p->line, "%s: key outside a section ([ptp], [clock], [ntp], [control], [log])",
			  key);
		return 1;
	}
	if (conf_table_section(section) < 0)
		return 1;	/* reported once, at its header, by the reader */
	if (*value == ';' || *value == '#') {
		/* "key =;x", "key =#x": after a space either would start a
		   comment, so no value can begin with one (conf_show could not
		   write it back) */
		add_error(p, p->line, "%s.%s: a value cannot start with '%c'", section, key, *value);
		return 1;
	}
	it = conf_table_find(section, key);
	if (!it) {
		if (!strcmp(section, "ptp") && passthrough_check) {
			char pwhy[200] = "";

			if (passthrough_check(key, value, pwhy, sizeof(pwhy)) == 0) {
				for (int k = 0; k < p->conf.ptp.n_pass; k++) {
					if (!strcmp(p->conf.ptp.pass[k].key, key)) {
						add_error(p, p->line, "ptp.%s: repeated (first set on line %d)",
							  key, p->conf.ptp.pass[k].line);
						return 1;
					}
				}
				if (p->conf.ptp.n_pass == CONF_MAX_PASSTHROUGH) {
					add_error(p, p->line, "ptp.%s: too many linuxptp options", key);
				} else if (strlen(key) >= CONF_NAME_MAX || strlen(value) >= CONF_PATH_MAX) {
					add_error(p, p->line, "ptp.%s: too long", key);
				} else {
					struct conf_passthrough *ps = &p->conf.ptp.pass[p->conf.ptp.n_pass++];

					strcpy(ps->key, key);
					strcpy(ps->value, value);
					ps->line = p->line;
				}
				return 1;
			}
			if (pwhy[0]) {
				/* linuxptp knows the key but not the value. */
				add_error(p, p->line, "ptp.%s: %s", key, pwhy);
				return 1;
			}
		}
		const struct conf_item *near = closest_key(section, key);

		if (near)
			add_error(p, p->line, "%s.%s: unknown key (did you mean %s.%s?)", section, key,
				  near->section, near->key);
		else
			add_error(p, p->line, "%s.%s: unknown key", section, key);
		return 1;
	}
	size_t idx = (size_t)(it - conf_table);

	if (p->item_seen[idx] && !(it->flags & CONF_REPEAT)) {
		add_error(p, p->line, "%s.%s: repeated (first set on line %d)", section, key,
			  p->item_line[idx]);
		return 1;
	}
	if (set_value(&p->conf, it, value, why, sizeof(why)) < 0) {
		add_error(p, p->line, "%s.%s: %s", section, key, why);
		p->item_bad[idx] = true;
		return 1;
	}
	p->item_seen[idx] = true;
	p->item_line[idx] = p->line;
	return 1;
}

/*
 * One physical line per call (see the top of the file).  Returns the line
 * cleaned for inih, or NULL at the end.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *p = stream;
	char line[4096];
	size_t len = 0;
	bool too_long = false;

	if (p->fp) {
		int ch;

		if (feof(p->fp))
			return NULL;
		while ((ch = fgetc(p->fp)) != EOF && ch != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = (char)ch;
			else
				too_long = true;
		}
		if (ch == EOF && len == 0)
			return NULL;
	} else {
		if (!*p->text)
			return NULL;
		while (*p->text && *p->text != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = *p->text;
			else
				too_long = true;
			p->text++;
		}
		if (*p->text == '\n')
			p->text++;
	}
	line[len] = '\0';
	p->line++;

	/* NUL bytes end the line early: the rest is not ours to guess. */
	char *s = line;

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	/* Nothing but printable text: a control byte (ESC, BEL) or a stray
	   one that is not UTF-8 would reach status screens and JSON. */
	{
		size_t bad = conf_text_invalid(line, strlen(line));

		if (bad != (size_t)-1) {
			add_error(p, p->line, "byte 0x%02x at column %zu: only printable UTF-8 text "
				  "is allowed", (unsigned char)line[bad], bad + 1);
			s[0] = '\0';
		}
	}
	/* A byte-order mark some editors write before the first line. */
	if (p->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	/* A comment line is nobody's business, however long. */
	if (*s == '#' || *s == ';')
		*s = '\0';
	/* " # comment" and " ; comment" after a value: not part of the
	   line's length. */
	for (char *h = s; (h = strchr(h, ';')); h++) {
		if (h > s && isspace((unsigned char)h[-1])) {
			*h = '\0';
			break;
		}
	}
	for (char *h = s; (h = strchr(h, '#')); h++) {
		if (h > s && isspace((unsigned char)h[-1])) {
			*h = '\0';
			break;
		}
	}
	if (too_long || strlen(s) >= (size_t)num - 1 || strlen(s) >= CONF_LINE_MAX - 1) {
		add_error(p, p->line, "line too long (at most %d characters)", CONF_LINE_MAX - 2);
		s[0] = '\0';
	}
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (end) {
			char name[CONF_NAME_MAX];
			size_t n = (size_t)(end - s - 1);

			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, s + 1, n);
			name[n] = '\0';
			char *t = trim(name);
			int si = conf_table_section(t);

			snprintf(p->section, sizeof(p->section), "%s", t);
			if (si < 0)
				add_error(p, p->line, "[%s]: unknown section (expected ptp, clock, ntp, control or log)",
					  t);
			else if (!p->section_line[si])
				p->section_line[si] = p->line;
			/* inih would keep "[ log ]" as " log ", a section
			   nobody knows, and skip its keys without a word */
			snprintf(str, (size_t)num, "[%s]\n", t);
			return str;
		}
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

void conf_defaults(struct bridge_conf *c)
{
	char why[200];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < conf_table_len; i++) {
		const struct conf_item *it = &conf_table[i];

		if (it->def && set_value(c, it, it->def, why, sizeof(why)) < 0) {
			/* A bad default is our bug: the unit tests catch it. */
			fprintf(stderr, "bug: default of %s.%s: %s\n", it->section, it->key, why);
			abort();
		}
	}
}

/* [remote]: ssh_interfaces are interface names; ssh = yes needs one. */
static void check_remote(struct parse_ctx *p)
{
	const struct conf_item *ifs = conf_table_find("remote", "ssh_interfaces");
	const struct conf_item *on = conf_table_find("remote", "ssh");
	size_t ifs_idx = (size_t)(ifs - conf_table), on_idx = (size_t)(on - conf_table);
	char list[sizeof(p->conf.remote.ssh_interfaces)];
	int n = 0;

	snprintf(list, sizeof(list), "%s", p->conf.remote.ssh_interfaces);
	for (char *save = NULL, *w = strtok_r(list, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		n++;
		if (strlen(w) >= IFNAMSIZ || strpbrk(w, "/:") || !ascii_graph(w) || !strcmp(w, ".") ||
		    !strcmp(w, ".."))
			add_error(p, p->item_line[ifs_idx], "remote.ssh_interfaces: '%.40s' is not an interface name", w);
	}
	if (p->conf.remote.ssh && !n)
		add_error(p, p->item_line[on_idx] > 0 ? p->item_line[on_idx] : 1,
			  "remote.ssh: yes needs remote.ssh_interfaces (the interfaces to listen on)");
}

static void check_whole(struct parse_ctx *p)
{
	for (size_t i = 0; i < conf_table_len; i++) {
		const struct conf_item *it = &conf_table[i];

		if ((it->flags & CONF_REQUIRED) && !p->item_seen[i] && !p->item_bad[i]) {
			int si = conf_table_section(it->section);

			if (p->section_line[si])
				add_error(p, p->section_line[si], "%s.%s: required key missing",
					  it->section, it->key);
			else
				add_error(p, p->line > 0 ? p->line : 1,
					  "%s.%s: required key missing (no [%s] section)",
					  it->section, it->key, it->section);
		}
	}
	const struct conf_item *ni = conf_table_find("ntp", "interface");
	size_t ni_idx = (size_t)(ni - conf_table);

	/* Addresses that must be on their section's interface (bindaddress),
	   when a checker knows this host's interfaces: new ones only.  One
	   the running config already has may be away for a while (DHCP, IPv6
	   DAD) and must not block an unrelated change. */
	for (size_t i = 0; addr_check && i < conf_table_len; i++) {
		const struct conf_item *it = &conf_table[i], *ifi;
		const char *base = (const char *)&p->conf;
		char why[200];
		int n;

		if (!(it->flags & CONF_LOCAL_ADDR) || !p->item_seen[i] ||
		    !(ifi = conf_table_find(it->section, "interface")))
			continue;
		memcpy(&n, base + it->count_off, sizeof(n));
		for (int k = 0; k < n; k++) {
			const struct conf_addr *a =
				(const struct conf_addr *)(base + it->off + (size_t)k * it->size);

			if (!addr_is_known(it, a) && addr_check(base + ifi->off, a, why, sizeof(why)) < 0)
				add_error(p, p->item_line[i], "%s.%s: %s", it->section, it->key, why);
		}
	}

	check_remote(p);

	if (p->conf.ptp.interface[0] && !strcmp(p->conf.ptp.interface, p->conf.ntp.interface) &&
	    !p->conf.ntp.share_ptp_interface)
		add_error(p, p->item_line[ni_idx],
			  "ntp.interface: %s is also ptp.interface (one NIC for both roles: set ntp.share_ptp_interface = yes)",
			  p->conf.ntp.interface);
}

/* Line number of a kept message "FILE:LINE: ...", 0 when it has none. */
static int msg_line(const struct parse_ctx *p, const char *msg)
{
	size_t n = strlen(p->name);

	if (strncmp(msg, p->name, n) || msg[n] != ':')
		return 0;
	return atoi(msg + n + 1);
}

/* Report in file order, whatever order the checks found them in. */
static void sort_errors(struct parse_ctx *p)
{
	int kept = p->nerr < CONF_MAX_ERRORS ? p->nerr : CONF_MAX_ERRORS;
	char tmp[sizeof(p->errs->msg[0])];

	for (int i = 1; i < kept; i++) {
		for (int j = i; j > 0 && msg_line(p, p->errs->msg[j - 1]) > msg_line(p, p->errs->msg[j]); j--) {
			memcpy(tmp, p->errs->msg[j], sizeof(tmp));
			memcpy(p->errs->msg[j], p->errs->msg[j - 1], sizeof(tmp));
			memcpy(p->errs->msg[j - 1], tmp, sizeof(tmp));
		}
	}
}

static int run_parse(struct parse_ctx *p, struct bridge_conf *out)
{
	int rc;

	conf_defaults(&p->conf);
	if (p->errs)
		p->errs->count = 0;
	rc = ini_parse_stream(reader, p, handler, p);
	if (rc > 0)
		add_error(p, rc, "syntax error (expected [section] or key = value)");
	else if (rc < 0)
		add_error(p, 0, "cannot parse (out of memory)");
	check_whole(p);
	if (p->nerr) {
		if (p->errs)
			sort_errors(p);
		return -1;
	}
	snprintf(p->conf.file, sizeof(p->conf.file), "%s", p->name);
	*out = p->conf;
	return 0;
}

int conf_load(const char *path, struct bridge_conf *out, struct conf_errors *errs)
{
	struct parse_ctx *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -1;
	p->name = path;
	p->errs = errs;
	p->fp = fopen(path, "r");
	if (!p->fp) {
		add_error(p, 0, "cannot open: %s", strerror(errno));
		free(p);
		return -1;
	}
	rc = run_parse(p, out);
	fclose(p->fp);
	free(p);
	return rc;
}

int conf_load_string(const char *name, const char *text, struct bridge_conf *out,
		     struct conf_errors *errs)
{
	struct parse_ctx *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return -1;
	p->name = name;
	p->errs = errs;
	p->text = text;
	rc = run_parse(p, out);
	free(p);
	return rc;
}

void conf_errors_report(const struct conf_errors *e, void (*report)(const char *msg))
{
	int kept = e->count < CONF_MAX_ERRORS ? e->count : CONF_MAX_ERRORS;
	char more[64];

	for (int i = 0; i < kept; i++)
		report(e->msg[i]);
	if (e->count > kept) {
		snprintf(more, sizeof(more), "... and %d more errors", e->count - kept);
		report(more);
	}
}

int conf_socket_path_ok(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa;
	struct stat st;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "a socket path has 1 to %zu characters",
			 sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (lstat(path, &st) < 0 || S_ISSOCK(st.st_mode))
		return 0;
	snprintf(why, whylen, "%s exists and is not a socket (it would have to be removed)",
		 path);
	return -1;
}

size_t conf_text_invalid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = u[i];
		size_t n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 :
			   c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 4;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return i;
			i++;
			continue;
		}
		if (n == 4)
			return i;
		for (size_t k = 1; k <= n; k++)
			if (i + k >= len || (u[i + k] & 0xc0) != 0x80)
				return i;
		i += n + 1;
	}
	return (size_t)-1;
}
