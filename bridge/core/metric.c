/*
 * One writer of Prometheus text-format metrics for every module.
 */
#include <stdarg.h>

#include "bridge/core/metric.h"

void metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metric_line(FILE *out, const char *name, const char *type, const char *help,
		 const char *fmt, ...)
{
	va_list ap;

	metric_head(out, name, type, help);
	fprintf(out, "%s ", name);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}
