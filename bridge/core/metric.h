/**
 * @file metric.h
 * @brief Prometheus text-format lines for `bridgectl metrics` (names
 * ptpbridge_*, after chrony_exporter's where they exist).
 */
#ifndef PB_METRIC_H
#define PB_METRIC_H

#include <stdio.h>

/** "# HELP name help" and "# TYPE name type" (then write labelled samples). */
void metric_head(FILE *out, const char *name, const char *type, const char *help);

/** The head and one sample "name value", value printed with fmt. */
void metric_line(FILE *out, const char *name, const char *type, const char *help,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
