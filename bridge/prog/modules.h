/**
 * @file modules.h
 * @brief The modules bridged wires together, in start order.
 */
#ifndef PB_PROG_MODULES_H
#define PB_PROG_MODULES_H

#include "bridge/core/module.h"

/** NULL-terminated, in start order. */
extern const struct pb_module *const bridge_modules[];

#endif
