/*
 * libFuzzer target: bridge.conf text through the real parser (libinih,
 * our reader, the table, linuxptp's table for pass-through keys), then
 * through conf_show and back, which must read again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_text.h"
#include "ptp/ptp_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bridge_conf conf, again;
	static struct conf_errors errs;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	conf_set_passthrough_check(ptp_conf_check);
	if (conf_load_string("fuzz.conf", text, &conf, &errs) == 0) {
		char *out = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&out, &len);

		conf_text_show(&conf, fp, false);
		fclose(fp);
		/* What show prints must itself be a valid file. */
		if (conf_load_string("shown.conf", out, &again, &errs) != 0) {
			fprintf(stderr, "show output does not read back:\n%s\n%s\n", out, errs.msg[0]);
			abort();
		}
		free(out);
	}
	free(text);
	return 0;
}
