/**
 * @file conf_parse.h
 * @brief One parser per type of config value (conf_parse.c).  Each
 * returns 0, or -1 for a value that is not of its type.
 */
#ifndef PB_CONF_PARSE_H
#define PB_CONF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge/core/conf.h"

/** A number (strtod's notations), finite; *end after it. */
int conf_parse_double(const char *s, double *v, const char **end);
/** Bytes: whole, or with K, M, G (powers of 1024; KiB, MB, a blank before). */
int conf_parse_size(const char *s, uint64_t *bytes);
/** Seconds, or with ms, s, m, h, d. */
int conf_parse_duration(const char *s, double *seconds);
/** yes/no, on/off, true/false, 1/0 in any case. */
int conf_parse_bool(const char *s, bool *v);
/** An IPv4 or IPv6 address. */
int conf_parse_addr(const char *s, struct conf_addr *a);
/** a.b.c.d/n or x::/n (host bits cleared; ::ffff:a.b.c.d/n is IPv4; a /0
    with an address is refused). */
int conf_parse_cidr(const char *s, struct conf_cidr *out);
/** off, on, or chrony's "interval I burst B leak L kod" (why: the reason). */
int conf_parse_ratelimit(const char *s, struct conf_ratelimit *out, char *why, size_t whylen);

#endif
