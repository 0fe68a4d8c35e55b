/**
 * @file ctl.h
 * @brief bridged's control socket: a UNIX stream socket speaking one JSON
 * request and one JSON reply per connection (docs/control-protocol.md).
 *
 * The daemon and the modules register commands; the socket checks peer
 * credentials: CTL_READ commands are open to root and the configured group,
 * CTL_ADMIN commands to root only.
 */
#ifndef PB_CTL_H
#define PB_CTL_H

#include <stddef.h>
#include <stdio.h>

struct json_object;

enum ctl_access {
	CTL_READ,	/**< root and members of [control] group */
	CTL_ADMIN,	/**< root only */
};

/**
 * Handler of one command.
 * @param req    the whole request object ({"cmd": ..., "args": [...]})
 * @param data   object to fill; sent as "data" of the reply
 * @param err    reason on failure
 * @return 0 on success, -1 on failure (reply carries err)
 */
typedef int (*ctl_handler)(struct json_object *req, struct json_object *data,
			   char *err, size_t errlen);

/** One command of a module's table (bridge/core/module.h). */
struct ctl_command {
	const char *cmd;
	enum ctl_access access;
	ctl_handler handler;
	const char *help;
};

/** Fill a module's section of `status` ("modules": {name: {...}}). */
typedef void (*ctl_status_fn)(struct json_object *section);

/** Append Prometheus text-format lines for `metrics` (names ptpbridge_*). */
typedef void (*ctl_metrics_fn)(FILE *out);

int ctl_register(const char *cmd, enum ctl_access access, ctl_handler h,
		 const char *help);
int ctl_add_metrics(ctl_metrics_fn fn);
/**
 * Add "text": what write prints, to a reply's data (`metrics`, `config
 * show`).  @return 0, or -1 with err set
 */
int ctl_add_text(struct json_object *data, void (*write)(FILE *out, const void *arg),
		 const void *arg, char *err, size_t errlen);
/** Forget every command and metrics source (tests, restart). */
void ctl_reset(void);

/**
 * Listen on path (created with mode 0660 and owned by group when it exists)
 * and serve requests from the core loop.
 */
int ctl_init(const char *path, const char *group);
void ctl_finish(void);

/** Build the reply of cmd as the daemon would (tests; no credentials check). */
struct json_object *ctl_dispatch(struct json_object *req, int is_root, int in_group);

#endif
