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

/** The biggest configuration file read (bytes). */
#define CONF_FILE_MAX (1024 * 1024)

/** The whole file (NUL-terminated, free it). @return 0, or -1 with errs */
int conf_file_read(const char *path, char **text, size_t *len, struct conf_errors *errs);

/**
 * Replace the file whole and atomically (temporary in its directory, mode
 * and owner kept, fsync, rename, fsync of the directory); through a
 * symlink, its target.  @return 0, or -1 with errs
 */
int conf_file_write(const char *path, const char *text, size_t len, struct conf_errors *errs);

#endif
