/**
 * @file conf_table.h
 * @brief The table of configuration keys (private to the config code,
 * bridgectl's doc output and the tests).
 */
#ifndef PB_CONF_TABLE_H
#define PB_CONF_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "bridge/core/conf.h"

enum conf_type {
	CT_BOOL,
	CT_INT,
	CT_DOUBLE,
	CT_SIZE,	/**< bytes, K/M/G suffixes (powers of 1024) */
	CT_DURATION,	/**< seconds, ms/s/m/h suffixes */
	CT_STRING,
	CT_PATH,	/**< absolute path, or empty when no default */
	CT_IFNAME,
	CT_ENUM,
	CT_ADDR,	/**< IPv4 or IPv6 address */
	CT_CIDR,	/**< list of prefixes, or "all" */
	CT_RATELIMIT,	/**< chrony's ratelimit options, or on/off */
};

#define CONF_REPEAT	0x1	/**< may appear more than once */
#define CONF_REQUIRED	0x2	/**< must appear */
#define CONF_SOCKET	0x4	/**< CT_PATH of a UNIX socket: nothing else may be there */
#define CONF_LOCAL_ADDR	0x8	/**< CT_ADDR on its section's interface (conf_set_addr_check) */

struct conf_enum {
	const char *name;
	int value;
};

struct conf_item {
	const char *section;
	const char *key;
	enum conf_type type;
	const char *def;	/**< default, as text through the same parser */
	double min, max;	/**< numeric range (base units) */
	unsigned int flags;
	const struct conf_enum *choices;
	size_t off;		/**< offset of the field in struct bridge_conf */
	size_t size;		/**< size of the field, or of one element */
	size_t count_off;	/**< CONF_REPEAT: offset of the int count */
	int max_count;		/**< CONF_REPEAT: capacity of the array */
	/** The modules (by name, space-separated) whose start reads the key,
	    so that a change restarts them ("bridged": the daemon's start, the
	    change waits for it); NULL: every reader applies a change in
	    place (bridge/core/module.c). */
	const char *restarts;
	const char *doc;
};

extern const struct conf_item conf_table[];
extern const size_t conf_table_len;
/** Room for per-key state in the parser (conf.c): conf_table.c asserts it. */
#define CONF_TABLE_MAX	64
extern const char *const conf_sections[];
/** The modules a change of a pass-through [ptp] key restarts. */
extern const char *const conf_passthrough_restarts;

/** The row of section.key, or NULL. */
const struct conf_item *conf_table_find(const char *section, const char *key);
/** Index of a section in conf_sections, or -1. */
int conf_table_section(const char *section);
/** "a, b, c" of an enum's names. */
void conf_table_enum_list(const struct conf_enum *ch, char *buf, size_t len);
/** Does the value of row it differ between a and b? */
bool conf_table_changed(const struct conf_item *it, const struct bridge_conf *a,
			const struct bridge_conf *b);
/** Does a restarts list (a row's, or conf_passthrough_restarts) name module? */
bool conf_table_restarts(const char *restarts, const char *module);
/** Do the pass-through [ptp] keys differ between a and b? */
bool conf_table_passthrough_changed(const struct bridge_conf *a, const struct bridge_conf *b);
/** "lo..hi" of a numeric row. */
void conf_table_range_text(const struct conf_item *it, char *buf, size_t len);

#endif
