/*
 * The configuration as text, all from the table: the running config as a
 * valid file (`config show`), one key (`config get`) and bridge.conf(5).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_table.h"
#include "bridge/core/conf_text.h"

static void format_size(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = "GMK";
	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (v >= unit && v % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v / unit), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* The shortest text of v that reads back as v (show prints a file that
   loads the same), then unit. */
static void format_double(double v, const char *unit, char *buf, size_t len)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g%s", prec, v, unit);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void format_duration(double v, char *buf, size_t len)
{
	if (v >= 3600 && fmod(v, 3600) == 0)
		format_double(v / 3600, "h", buf, len);
	else if (v >= 60 && fmod(v, 60) == 0)
		format_double(v / 60, "m", buf, len);
	else if (v > 0 && v < 1 && (v * 1000) / 1000 == v && fmod(v * 1000, 1) == 0)
		format_double(v * 1000, "ms", buf, len);
	else
		format_double(v, "s", buf, len);
}

static const char *enum_name(const struct conf_enum *ch, int v)
{
	for (int i = 0; ch[i].name; i++) {
		if (ch[i].value == v)
			return ch[i].name;
	}
	return "?";
}

/* The values of one item, one per line (several for repeated keys). */
static int format_item(const struct bridge_conf *c, const struct conf_item *it,
		       char *buf, size_t len)
{
	const char *field = (const char *)c + it->off;
	size_t n = 0;

	buf[0] = '\0';
	switch (it->type) {
	case CT_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		break;
	case CT_INT:
		snprintf(buf, len, "%d", *(const int *)field);
		break;
	case CT_DOUBLE:
		format_double(*(const double *)field, "", buf, len);
		break;
	case CT_SIZE:
		format_size(*(const uint64_t *)field, buf, len);
		break;
	case CT_DURATION:
		format_duration(*(const double *)field, buf, len);
		break;
	case CT_STRING:
	case CT_PATH:
	case CT_IFNAME:
		snprintf(buf, len, "%s", field);
		break;
	case CT_ENUM:
		snprintf(buf, len, "%s", enum_name(it->choices, *(const int *)field));
		break;
	case CT_RATELIMIT: {
		const struct conf_ratelimit *rl = (const struct conf_ratelimit *)field;

		if (!rl->enabled)
			snprintf(buf, len, "off");
		else
			snprintf(buf, len, "interval %d burst %d leak %d%s", rl->interval,
				 rl->burst, rl->leak, rl->kod ? " kod" : "");
		break;
	}
	case CT_ADDR:
	case CT_CIDR: {
		int count = *(const int *)((const char *)c + it->count_off);

		for (int i = 0; i < count && n < len; i++) {
			char a[INET6_ADDRSTRLEN];

			if (it->type == CT_ADDR) {
				const struct conf_addr *ad =
					(const struct conf_addr *)(field + it->size * (size_t)i);

				n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "\n" : "",
						      conf_addr_str(ad, a, sizeof(a)));
			} else {
				const struct conf_cidr *cd =
					(const struct conf_cidr *)(field + it->size * (size_t)i);

				n += (size_t)snprintf(buf + n, len - n, "%s%s/%d", i ? "\n" : "",
						      conf_addr_str(&cd->addr, a, sizeof(a)), cd->prefix);
			}
		}
		return count;
	}
	}
	return 1;
}

int conf_text_get(const struct bridge_conf *c, const char *section, const char *key,
	     char *buf, size_t len)
{
	const struct conf_item *it = conf_table_find(section, key);

	if (!it) {
		if (!strcmp(section, "ptp")) {
			for (int i = 0; i < c->ptp.n_pass; i++) {
				if (!strcmp(c->ptp.pass[i].key, key)) {
					snprintf(buf, len, "%s", c->ptp.pass[i].value);
					return 0;
				}
			}
		}
		return -1;
	}
	format_item(c, it, buf, len);
	return 0;
}

void conf_text_show(const struct bridge_conf *c, FILE *fp, bool with_docs)
{
	char buf[CONF_MAX_ACL * (INET6_ADDRSTRLEN + 8)];

	for (int s = 0; conf_sections[s]; s++) {
		fprintf(fp, "%s[%s]\n", s ? "\n" : "", conf_sections[s]);
		for (size_t i = 0; i < conf_table_len; i++) {
			const struct conf_item *it = &conf_table[i];

			if (strcmp(it->section, conf_sections[s]))
				continue;
			if (with_docs)
				fprintf(fp, "# %s\n", it->doc);
			int count = format_item(c, it, buf, sizeof(buf));

			if (!count) {
				fprintf(fp, "%s%s =\n", (it->flags & CONF_REPEAT) ? "# " : "", it->key);
				continue;
			}
			for (char *line = buf, *nl; line; line = nl) {
				nl = strchr(line, '\n');
				if (nl)
					*nl++ = '\0';
				fprintf(fp, "%s = %s\n", it->key, line);
			}
		}
		if (!strcmp(conf_sections[s], "ptp")) {
			for (int i = 0; i < c->ptp.n_pass; i++)
				fprintf(fp, "%s%s = %s\n", with_docs ? "# passed to linuxptp\n" : "",
					c->ptp.pass[i].key, c->ptp.pass[i].value);
		}
	}
}

/* --- bridge.conf(5) ------------------------------------------------------ */

static const char *type_name(const struct conf_item *it)
{
	switch (it->type) {
	case CT_BOOL: return "yes|no";
	case CT_INT: return "integer";
	case CT_DOUBLE: return "number";
	case CT_SIZE: return "size";
	case CT_DURATION: return "duration";
	case CT_STRING: return "string";
	case CT_PATH: return "path";
	case CT_IFNAME: return "interface";
	case CT_ENUM: return "choice";
	case CT_ADDR: return "address";
	case CT_CIDR: return "prefix list";
	case CT_RATELIMIT: return "ratelimit";
	}
	return "?";
}

static void man_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* What a reload does with a change of the key (the row's restarts). */
static void man_reload(FILE *fp, const char *restarts)
{
	char mods[64];
	size_t n;

	if (!restarts) {
		fputs("On reload: applied in place.\n", fp);
		return;
	}
	snprintf(mods, sizeof(mods), "%s", restarts);
	if (conf_table_restarts(restarts, "bridged")) {
		/* "bridged" is the daemon's own start, not a module */
		char *b = strstr(mods, "bridged");

		memmove(b, b + 7, strlen(b + 7) + 1);
	}
	for (n = strlen(mods); n && mods[n - 1] == ' '; n--)
		mods[n - 1] = '\0';
	if (*mods)
		fprintf(fp, "On reload: restarts the %s module%s%s.\n", mods,
			strchr(mods, ' ') ? "s" : "",
			conf_table_restarts(restarts, "bridged") ?
			"; the rest waits for the next start of bridged" : "");
	else
		fputs("On reload: waits for the next start of bridged.\n", fp);
}

void conf_text_man(FILE *fp)
{
	fputs(".TH BRIDGE.CONF 5 \"\" \"ptpbridge\" \"File Formats\"\n"
	      ".SH NAME\nbridge.conf \\- configuration of the ptpbridge PTP-to-NTP bridge\n"
	      ".SH DESCRIPTION\nOne INI file, by default\n.IR /etc/ptpbridge/bridge.conf ,\n"
	      "with the sections\n.BR [ptp] ,\n.BR [clock] ,\n.BR [ntp] ,\n.BR [control] ,\n"
	      "and\n.BR [log] .\nLines are\n.IR \"key = value\" ;\n"
	      "comments start with # or ; at the start of a line, or after a blank.\n"
	      "A line has at most 198 characters, comments after a value included.\n"
	      "Integers are decimal.\n"
	      "Sizes are whole bytes, or take K, M or G (powers of 1024; KiB, MB and a\n"
	      "blank before the unit are read the same); durations take ms, s, m, h or d.\n"
	      "yes/no keys also take on/off, true/false and 1/0, in any case.\n"
	      "A key marked repeatable may appear several times; its values add up.\n"
	      "Errors are reported as\n.IR FILE:LINE:\\ section.key:\\ reason ,\n"
	      "and a file with any error is not applied at all.\n"
	      "Each key says what a reload (SIGHUP,\n.BR \"bridgectl reload\" )\n"
	      "does with a change of it: applies it in place, or restarts the modules\n"
	      "that read it.\n"
	      ".PP\nKeys of\n.B [ptp]\nnot listed here are passed to the embedded linuxptp engine\n"
	      "when linuxptp's own table accepts them (see\n.BR ptp4l (8)),\n"
	      "and read by linuxptp: its integers may also be hex (0x10) or octal (010).\n", fp);
	for (int s = 0; conf_sections[s]; s++) {
		fprintf(fp, ".SH [%s]\n", conf_sections[s]);
		for (size_t i = 0; i < conf_table_len; i++) {
			const struct conf_item *it = &conf_table[i];

			if (strcmp(it->section, conf_sections[s]))
				continue;
			fprintf(fp, ".TP\n.B %s\n", it->key);
			fprintf(fp, ".RI \"(%s%s\"", type_name(it),
				(it->flags & CONF_REQUIRED) ? ", required" : "");
			if (it->flags & CONF_REPEAT)
				fprintf(fp, " \", repeatable, at most %d%s\"", it->max_count,
					it->type == CT_CIDR ? " (all counts 2)" : "");
			if (it->type == CT_ENUM) {
				char list[128];

				conf_table_enum_list(it->choices, list, sizeof(list));
				fprintf(fp, " \": \" \"%s\"", list);
			}
			if (it->type == CT_INT || it->type == CT_DOUBLE || it->type == CT_DURATION) {
				char rng[64];

				conf_table_range_text(it, rng, sizeof(rng));
				fprintf(fp, " \", range %s\"", rng);
			}
			if (it->type == CT_SIZE) {
				char lo[32], hi[32];

				format_size((uint64_t)it->min, lo, sizeof(lo));
				format_size((uint64_t)it->max, hi, sizeof(hi));
				fprintf(fp, " \", range %s..%s\"", lo, hi);
			}
			if (it->type == CT_IFNAME || it->type == CT_STRING || it->type == CT_PATH)
				fprintf(fp, " \", at most %zu characters\"", it->size - 1);
			if (it->def && *it->def)
				fprintf(fp, " \", default \" \"%s\"", it->def);
			fputs(" )\n", fp);
			man_escape(fp, it->doc);
			fputs(".\n", fp);
			man_reload(fp, it->restarts);
		}
	}
	fputs(".SH EXAMPLE\n.nf\n[ptp]\ninterface = eth0\n\n[ntp]\ninterface = eth1\n"
	      "allow = 192.0.2.0/24\nratelimit = interval 3 burst 8 leak 2 kod\n"
	      "clientloglimit = 16M\n.fi\n"
	      ".SH SEE ALSO\n.BR bridged (8),\n.BR bridgectl (8),\n.BR ptp4l (8),\n.BR chrony.conf (5)\n",
	      fp);
}
