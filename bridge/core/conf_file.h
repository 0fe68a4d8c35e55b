/**
 * @file conf_file.h
 * @brief Changing one key of the configuration file (conf_file.c).
 */
#ifndef PB_CONF_FILE_H
#define PB_CONF_FILE_H

#include "bridge/core/conf.h"

/**
 * Set section.key = value in the file at path: the new file is checked
 * whole before it atomically replaces the old one.  For a repeatable key the
 * value replaces all its lines.
 * @return 0, or -1 with errs filled
 */
int conf_file_set(const char *path, const char *section, const char *key,
		  const char *value, struct conf_errors *errs);

#endif
