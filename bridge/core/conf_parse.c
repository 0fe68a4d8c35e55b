/*
 * The values of the config file, one type each: sizes, durations, numbers,
 * yes/no, addresses, prefixes and chrony's ratelimit options.  conf.c
 * applies them to the table's keys; the unit tests and ntp/ call some
 * directly.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge/core/conf_parse.h"

int conf_parse_double(const char *s, double *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtod(s, &e);
	if (e == s || errno || !isfinite(*v))
		return -1;
	*end = e;
	return 0;
}

int conf_parse_size(const char *s, uint64_t *bytes)
{
	const char *e;
	double v, mul = 1;

	if (conf_parse_double(s, &v, &e) < 0 || v < 0)
		return -1;
	while (*e == ' ' || *e == '\t')
		e++;
	switch (toupper((unsigned char)*e)) {
	case '\0':
	case 'B':
		if (v != floor(v))
			return -1;	/* a fraction of a byte */
		break;
	case 'K':
		mul = 1024.0;
		e++;
		break;
	case 'M':
		mul = 1024.0 * 1024;
		e++;
		break;
	case 'G':
		mul = 1024.0 * 1024 * 1024;
		e++;
		break;
	default:
		return -1;
	}
	if ((*e == 'i' || *e == 'I') && mul > 1)
		e++;
	if (*e == 'B' || *e == 'b')
		e++;
	if (*e || v * mul > 1e18)
		return -1;
	*bytes = (uint64_t)llround(v * mul);
	return 0;
}

int conf_parse_duration(const char *s, double *seconds)
{
	const char *e;
	double v;

	if (conf_parse_double(s, &v, &e) < 0 || v < 0)
		return -1;
	if (!strcmp(e, "") || !strcmp(e, "s"))
		*seconds = v;
	else if (!strcmp(e, "ms"))
		*seconds = v / 1000.0;
	else if (!strcmp(e, "m") || !strcmp(e, "min"))
		*seconds = v * 60.0;
	else if (!strcmp(e, "h"))
		*seconds = v * 3600.0;
	else if (!strcmp(e, "d"))
		*seconds = v * 86400.0;
	else
		return -1;
	return 0;
}

int conf_parse_addr(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int conf_parse_cidr(const char *s, struct conf_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (conf_parse_addr(buf, &out->addr) < 0)
		return -1;
	max = out->addr.family == AF_INET ? 32 : 128;
	out->prefix = max;
	if (slash) {
		char *e;
		long p;

		errno = 0;
		p = strtol(slash, &e, 10);
		if (!*slash || *e || errno || p < 0 || p > max)
			return -1;
		out->prefix = (int)p;
	}
	/* ::ffff:a.b.c.d/n is a.b.c.d/(n-96): the ACL judges mapped clients
	   as IPv4, where a mapped prefix would never match. */
	if (out->addr.family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&out->addr.v6)) {
		struct in_addr v4;

		if (out->prefix < 96)
			return -1;
		memcpy(&v4, out->addr.v6.s6_addr + 12, 4);
		out->addr.family = AF_INET;
		out->addr.v4 = v4;
		out->prefix -= 96;
		max = 32;
	}
	/* Clear the host bits: 192.0.2.1/24 means 192.0.2.0/24 (as chrony).
	   But a.b.c.d/0 with an address is a typo that would allow or deny
	   everyone: "all" says that. */
	uint8_t *b = out->addr.family == AF_INET ? (uint8_t *)&out->addr.v4 :
						  out->addr.v6.s6_addr;
	bool host = false;

	for (int bit = out->prefix; bit < max; bit++) {
		host |= (b[bit / 8] & (0x80u >> (bit % 8))) != 0;
		b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	}
	return out->prefix == 0 && host ? -1 : 0;
}



int conf_parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "yes", "on", "true", "1", NULL };
	static const char *const no[] = { "no", "off", "false", "0", NULL };

	for (int i = 0; yes[i]; i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return -1;
}

/* chrony's defaults for ratelimit, and the ranges chrony accepts. */
#define RL_DEFAULT_INTERVAL 3
#define RL_DEFAULT_BURST 8
#define RL_DEFAULT_LEAK 2

int conf_parse_ratelimit(const char *s, struct conf_ratelimit *out, char *why, size_t whylen)
{
	struct conf_ratelimit rl = {
		.enabled = true, .interval = RL_DEFAULT_INTERVAL,
		.burst = RL_DEFAULT_BURST, .leak = RL_DEFAULT_LEAK,
	};
	char buf[CONF_LINE_MAX], *save = NULL, *tok;
	bool b;

	if (conf_parse_bool(s, &b) == 0) {
		if (!b)
			rl.enabled = false;
		*out = rl;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	if (!strtok_r(buf, " \t", &save)) {
		snprintf(why, whylen, "empty value (off, on, or chrony's options)");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	save = NULL;
	unsigned int seen = 0;

	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		static const struct {
			const char *name;
			int min, max;
			size_t off;
		} opts[] = {
			{ "interval", -19, 12, offsetof(struct conf_ratelimit, interval) },
			{ "burst", 1, 255, offsetof(struct conf_ratelimit, burst) },
			{ "leak", 1, 4, offsetof(struct conf_ratelimit, leak) },
		};
		size_t i;

		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			if (!strcasecmp(tok, opts[i].name))
				break;
		}
		if (i == sizeof(opts) / sizeof(opts[0]) && strcasecmp(tok, "kod")) {
			snprintf(why, whylen, "unknown option '%s' (interval, burst, leak, kod)", tok);
			return -1;
		}
		if (seen & (1u << i)) {
			snprintf(why, whylen, "%s given twice", tok);
			return -1;
		}
		seen |= 1u << i;
		if (i == sizeof(opts) / sizeof(opts[0])) {
			rl.kod = true;
			continue;
		}
		char *val = strtok_r(NULL, " \t", &save), *e;
		long v;

		if (!val) {
			snprintf(why, whylen, "%s needs a value", opts[i].name);
			return -1;
		}
		errno = 0;
		v = strtol(val, &e, 10);
		if (*e || errno || v < opts[i].min || v > opts[i].max) {
			snprintf(why, whylen, "%s %s: expected an integer in %d..%d",
				 opts[i].name, val, opts[i].min, opts[i].max);
			return -1;
		}
		*(int *)((char *)&rl + opts[i].off) = (int)v;
	}
	*out = rl;
	return 0;
}
