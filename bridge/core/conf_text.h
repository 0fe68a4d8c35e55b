/**
 * @file conf_text.h
 * @brief The configuration as text (conf_text.c): `config show`, `config
 * get` and bridge.conf(5), all from the table.
 */
#ifndef PB_CONF_TEXT_H
#define PB_CONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bridge/core/conf.h"

/** Print the effective configuration as a valid file, with defaults. */
void conf_text_show(const struct bridge_conf *c, FILE *fp, bool with_docs);

/**
 * The value of section.key as text ("a b" for repeated keys joined by
 * newlines).
 * @return 0, or -1 if the key is unknown
 */
int conf_text_get(const struct bridge_conf *c, const char *section, const char *key,
		  char *buf, size_t len);

/** Write bridge.conf(5) in roff from the table. */
void conf_text_man(FILE *fp);

#endif
