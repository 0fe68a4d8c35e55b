/*
 * hwsimctl - create and inspect the clocks of the hardware emulator.
 *
 *   hwsimctl [--dir DIR] init [--wire kernel|ideal] [--delay NS] [--jitter NS]
 *   hwsimctl add-phc IFACE [--netns NAME] [--offset S] [--freq PPM]
 *                    [--wander PPM] [--rx-delay NS] [--read-delay NS]
 *                    [--disable LIST]
 *   hwsimctl add-sysclk NAME [--offset S] [--freq PPM] [--wander PPM]
 *   hwsimctl set CLOCK [--offset S] [--freq PPM] [--wander PPM]
 *                    [--rx-delay NS] [--disable LIST]
 *   hwsimctl wire kernel|ideal [--delay NS] [--jitter NS]
 *   hwsimctl disable LIST        (global: basic,extended,precise,v2,none)
 *   hwsimctl show
 *   hwsimctl offset CLOCK        (offset vs truth in ns, one number)
 *   hwsimctl steps CLOCK         (step history: the last 16 steps)
 *   hwsimctl log FILE --interval S (--duration S | --count N) [CLOCK...]
 *
 * CLOCK is a system clock name, an interface name or ptpN.  DIR defaults
 * to $HWSIM_DIR.  hwsimctl never touches a real clock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hwsim_state.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS 1000000000LL

static struct hwsim_shm *shm;

static void usage(void)
{
	fprintf(stderr,
		"usage: hwsimctl [--dir DIR] COMMAND ...\n"
		"  init [--wire kernel|ideal] [--delay NS] [--jitter NS]\n"
		"  add-phc IFACE [--netns NAME] [--offset S] [--freq PPM] [--wander PPM]\n"
		"          [--rx-delay NS] [--read-delay NS] [--disable basic,extended,precise,v2]\n"
		"  add-sysclk NAME [--offset S] [--freq PPM] [--wander PPM]\n"
		"  set CLOCK [--offset S] [--freq PPM] [--wander PPM] [--rx-delay NS] [--read-delay NS]\n"
		"      [--disable LIST]\n"
		"  wire kernel|ideal [--delay NS] [--jitter NS]\n"
		"  pps N [--offset NS]   /dev/ppsN: an edge each second of truth + NS\n"
		"  disable LIST\n"
		"  show\n"
		"  offset CLOCK\n"
		"  steps CLOCK\n"
		"  log FILE --interval S (--duration S | --count N) [CLOCK...]\n");
	exit(2);
}

__attribute__((format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hwsimctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double num(const char *s)
{
	char *end;
	double v;

	if (!s) {
		usage();
	}
	v = strtod(s, &end);
	if (end == s || *end) {
		die("bad number: %s", s);
	}
	return v;
}

static unsigned int parse_disable(const char *list)
{
	unsigned int m = 0;
	char *dup = strdup(list), *save = NULL;

	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "basic")) {
			m |= HWSIM_NO_SYS_OFFSET;
		} else if (!strcmp(t, "extended")) {
			m |= HWSIM_NO_SYS_OFFSET_EXT;
		} else if (!strcmp(t, "precise")) {
			m |= HWSIM_NO_SYS_OFFSET_PREC;
		} else if (!strcmp(t, "v2")) {
			m |= HWSIM_NO_V2_IOCTLS;
		} else if (strcmp(t, "none")) {
			die("unknown feature: %s (basic, extended, precise, v2, none)", t);
		}
	}
	free(dup);
	return m;
}

struct opts {
	int have_offset, have_freq, have_wander, have_rx_delay, have_disable, have_read_delay;
	double offset, freq, wander, rx_delay, read_delay;
	unsigned int disable;
	const char *netns;
};

static int parse_opts(int argc, char **argv, int i, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--offset")) {
			o->offset = num(argv[++i]);
			o->have_offset = 1;
		} else if (!strcmp(argv[i], "--freq")) {
			o->freq = num(argv[++i]);
			o->have_freq = 1;
		} else if (!strcmp(argv[i], "--wander")) {
			o->wander = num(argv[++i]);
			o->have_wander = 1;
		} else if (!strcmp(argv[i], "--rx-delay")) {
			o->rx_delay = num(argv[++i]);
			o->have_rx_delay = 1;
		} else if (!strcmp(argv[i], "--read-delay")) {
			o->read_delay = num(argv[++i]);
			o->have_read_delay = 1;
		} else if (!strcmp(argv[i], "--disable")) {
			if (!argv[i + 1]) {
				usage();
			}
			o->disable = parse_disable(argv[++i]);
			o->have_disable = 1;
		} else if (!strcmp(argv[i], "--netns")) {
			o->netns = argv[++i];
			if (!o->netns) {
				usage();
			}
		} else {
			die("unknown option: %s", argv[i]);
		}
	}
	return 0;
}

static void apply(struct hwsim_clock *c, const struct opts *o, int fresh)
{
	int64_t T = hwsim_truth();

	if (fresh) {
		hwsim_clock_init(c, T, (int64_t)(o->offset * 1e9), o->freq, o->wander);
	} else {
		int64_t now = hwsim_clock_at(shm, c, T);
		double base = o->have_freq ? o->freq : c->base_ppm;
		double wander = o->have_wander ? o->wander : c->wander_ppm;
		int64_t off = o->have_offset ? (int64_t)(o->offset * 1e9) : now - T;
		double adj = c->adj_ppm;
		int64_t freq = c->freq, tick = c->tick, status = c->status;

		hwsim_clock_init(c, T, off, base, wander);
		c->adj_ppm = adj;
		c->freq = freq;
		c->tick = tick;
		c->status = status;
	}
	if (o->have_rx_delay) {
		c->rx_delay_ns = (int64_t)o->rx_delay;
	}
	if (o->have_disable) {
		c->disable = o->disable;
	}
	if (o->have_read_delay) {
		c->read_delay_ns = (int64_t)o->read_delay;
	}
}

static struct hwsim_clock *find_clock(const char *name)
{
	struct hwsim_clock *c = hwsim_find_sys(shm, name);

	if (c) {
		return c;
	}
	if (!strncmp(name, "ptp", 3) && name[3]) {
		char *end;
		long idx = strtol(name + 3, &end, 10);

		if (!*end && (c = hwsim_find_phc_index(shm, (int)idx))) {
			return c;
		}
	}
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		c = &shm->clocks[i];
		if (c->used && c->kind == HWSIM_PHC && !strcmp(c->name, name)) {
			return c;
		}
	}
	die("no such clock: %s", name);
	return NULL;
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		die("cannot enter network namespace %s", name);
	}
	close(fd);
}

static int cmd_add_phc(int argc, char **argv)
{
	struct hwsim_clock *c;
	struct stat st;
	struct opts o;
	unsigned int ifindex;

	if (argc < 2) {
		usage();
	}
	parse_opts(argc, argv, 2, &o);
	if (o.netns) {
		enter_netns(o.netns);
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		die("no interface %s in this network namespace", argv[1]);
	}
	if (stat("/proc/self/ns/net", &st) < 0) {
		die("%s", "cannot stat /proc/self/ns/net");
	}
	hwsim_lock(shm);
	c = hwsim_find_phc_if(shm, st.st_ino, argv[1], 0);
	if (!c) {
		c = hwsim_add(shm, HWSIM_PHC, argv[1]);
	}
	if (!c) {
		hwsim_unlock(shm);
		die("%s", "too many clocks");
	}
	c->netns = st.st_ino;
	c->ifindex = (int32_t)ifindex;
	apply(c, &o, 1);
	hwsim_unlock(shm);
	printf("/dev/ptp%d\n", c->phc_index);
	return 0;
}

static int cmd_add_sysclk(int argc, char **argv)
{
	struct hwsim_clock *c;
	struct opts o;

	if (argc < 2) {
		usage();
	}
	parse_opts(argc, argv, 2, &o);
	hwsim_lock(shm);
	c = hwsim_find_sys(shm, argv[1]);
	if (!c) {
		c = hwsim_add(shm, HWSIM_SYS, argv[1]);
	}
	if (!c) {
		hwsim_unlock(shm);
		die("%s", "too many clocks");
	}
	apply(c, &o, 1);
	hwsim_unlock(shm);
	return 0;
}

static int cmd_set(int argc, char **argv)
{
	struct hwsim_clock *c;
	struct opts o;

	if (argc < 2) {
		usage();
	}
	parse_opts(argc, argv, 2, &o);
	c = find_clock(argv[1]);
	hwsim_lock(shm);
	apply(c, &o, 0);
	hwsim_unlock(shm);
	return 0;
}

static void wire_opts(int argc, char **argv, int i)
{
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--wire") && argv[i + 1]) {
			i++;
			if (!strcmp(argv[i], "ideal")) {
				shm->wire_mode = HWSIM_WIRE_IDEAL;
			} else if (!strcmp(argv[i], "kernel")) {
				shm->wire_mode = HWSIM_WIRE_KERNEL;
			} else {
				die("unknown wire mode: %s", argv[i]);
			}
		} else if (!strcmp(argv[i], "--delay")) {
			shm->wire_delay_ns = (int64_t)num(argv[++i]);
		} else if (!strcmp(argv[i], "--jitter")) {
			shm->wire_jitter_ns = (int64_t)num(argv[++i]);
		} else {
			die("unknown option: %s", argv[i]);
		}
	}
}

static const char *dis_str(unsigned int d)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", d ? "" : "-",
		 d & HWSIM_NO_SYS_OFFSET ? "!basic " : "",
		 d & HWSIM_NO_SYS_OFFSET_EXT ? "!ext " : "",
		 d & HWSIM_NO_SYS_OFFSET_PREC ? "!precise " : "",
		 d & HWSIM_NO_V2_IOCTLS ? "!v2" : "");
	return buf;
}

static int cmd_show(void)
{
	int64_t T = hwsim_truth();

	printf("wire %s delay %lld ns jitter %lld ns; refused real-clock calls %llu;"
	       " wire matches %llu misses %llu; disabled %s\n",
	       shm->wire_mode == HWSIM_WIRE_IDEAL ? "ideal" : "kernel",
	       (long long)shm->wire_delay_ns, (long long)shm->wire_jitter_ns,
	       (unsigned long long)shm->eperm_count,
	       (unsigned long long)shm->wire_hits, (unsigned long long)shm->wire_misses,
	       dis_str(shm->disable));
	printf("%-8s %-12s %18s %12s %12s %6s %6s %s\n", "clock", "name", "offset(ns)",
	       "freq(ppm)", "base(ppm)", "steps", "adjs", "notes");
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &shm->clocks[i];
		char id[16];
		int64_t off;

		if (!c->used) {
			continue;
		}
		off = hwsim_clock_at(shm, c, T) - T;
		if (c->kind == HWSIM_PHC) {
			snprintf(id, sizeof(id), "ptp%d", c->phc_index);
		} else {
			snprintf(id, sizeof(id), "sys");
		}
		printf("%-8s %-12s %18lld %12.4f %12.4f %6llu %6llu", id, c->name,
		       (long long)off, hwsim_clock_rate_ppm(c), c->base_ppm,
		       (unsigned long long)c->n_steps, (unsigned long long)c->n_adj);
		if (c->kind == HWSIM_PHC) {
			printf(" ifindex %d hwts %s sysoff basic/ext/precise %llu/%llu/%llu disabled %s",
			       c->ifindex, c->hw_set ? "on" : "off",
			       (unsigned long long)c->n_sysoff[0], (unsigned long long)c->n_sysoff[1],
			       (unsigned long long)c->n_sysoff[2], dis_str(c->disable));
		} else {
			printf(" status %#llx tick %lld", (unsigned long long)c->status,
			       (long long)c->tick);
		}
		putchar('\n');
	}
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	struct hwsim_clock *cl[HWSIM_MAX_CLOCKS];
	double interval = 1.0, duration = -1.0;
	long count = -1, n = 0;
	int nc = 0;
	FILE *f;
	struct timespec next;

	if (argc < 2) {
		usage();
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--interval")) {
			interval = num(argv[++i]);
		} else if (!strcmp(argv[i], "--duration")) {
			duration = num(argv[++i]);
		} else if (!strcmp(argv[i], "--count")) {
			count = (long)num(argv[++i]);
		} else if (argv[i][0] == '-') {
			die("unknown option: %s", argv[i]);
		} else if (nc < HWSIM_MAX_CLOCKS) {
			cl[nc++] = find_clock(argv[i]);
		}
	}
	if (interval <= 0.0 || (duration < 0 && count < 0)) {
		die("%s", "log needs --interval > 0 and --duration or --count");
	}
	if (count < 0) {
		count = (long)(duration / interval) + 1;
	}
	if (!nc) {
		for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
			if (shm->clocks[i].used) {
				cl[nc++] = &shm->clocks[i];
			}
		}
	}
	f = strcmp(argv[1], "-") ? fopen(argv[1], "w") : stdout;
	if (!f) {
		die("cannot write %s", argv[1]);
	}
	fprintf(f, "# truth_s");
	for (int i = 0; i < nc; i++) {
		if (cl[i]->kind == HWSIM_PHC) {
			fprintf(f, " ptp%d:%s", cl[i]->phc_index, cl[i]->name);
		} else {
			fprintf(f, " %s", cl[i]->name);
		}
	}
	fprintf(f, "   (offset vs truth, ns)\n");
	fflush(f);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (n++ < count) {
		int64_t T = hwsim_truth();

		fprintf(f, "%lld.%09lld", (long long)(T / NS), (long long)(T % NS));
		for (int i = 0; i < nc; i++) {
			fprintf(f, " %lld", (long long)(hwsim_clock_at(shm, cl[i], T) - T));
		}
		fputc('\n', f);
		fflush(f);
		if (n >= count) {
			break;
		}
		next.tv_nsec += (long)(interval * 1e9);
		next.tv_sec += next.tv_nsec / NS;
		next.tv_nsec %= NS;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
		}
	}
	if (f != stdout) {
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("HWSIM_DIR");
	const char *cmd;

	if (argc > 2 && !strcmp(argv[1], "--dir")) {
		dir = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		usage();
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (!dir || !*dir) {
		die("%s", "set HWSIM_DIR or use --dir");
	}
	if (!strcmp(cmd, "init")) {
		mkdir(dir, 0755);
		shm = hwsim_map(dir, 1);
		if (!shm) {
			die("cannot create state in %s", dir);
		}
		wire_opts(argc, argv, 1);
		return 0;
	}
	shm = hwsim_map(dir, 0);
	if (!shm) {
		die("no emulator state in %s (hwsimctl init)", dir);
	}
	if (!strcmp(cmd, "add-phc")) {
		return cmd_add_phc(argc, argv);
	} else if (!strcmp(cmd, "add-sysclk")) {
		return cmd_add_sysclk(argc, argv);
	} else if (!strcmp(cmd, "set")) {
		return cmd_set(argc, argv);
	} else if (!strcmp(cmd, "wire")) {
		if (argc < 2) {
			usage();
		}
		{
			char *args[] = { "wire", "--wire", argv[1] };

			wire_opts(3, args, 1);
		}
		wire_opts(argc, argv, 2);
		return 0;
	} else if (!strcmp(cmd, "pps")) {
		long n;

		if (argc < 2 || (n = (long)num(argv[1])) < 0 || n >= HWSIM_MAX_PPS ||
		    (argc != 2 && (argc != 4 || strcmp(argv[2], "--offset")))) {
			usage();
		}
		hwsim_lock(shm);
		shm->pps_offset_ns[n] = argc == 4 ? (int64_t)num(argv[3]) : 0;
		if ((uint32_t)n >= shm->pps_count) {
			shm->pps_count = (uint32_t)n + 1;
		}
		hwsim_unlock(shm);
		return 0;
	} else if (!strcmp(cmd, "disable")) {
		if (argc < 2) {
			usage();
		}
		shm->disable = parse_disable(argv[1]);
		return 0;
	} else if (!strcmp(cmd, "show")) {
		return cmd_show();
	} else if (!strcmp(cmd, "offset")) {
		struct hwsim_clock *c;
		int64_t T;

		if (argc < 2) {
			usage();
		}
		c = find_clock(argv[1]);
		T = hwsim_truth();
		printf("%lld\n", (long long)(hwsim_clock_at(shm, c, T) - T));
		return 0;
	} else if (!strcmp(cmd, "log")) {
		return cmd_log(argc, argv);
	} else if (!strcmp(cmd, "steps")) {
		struct hwsim_clock *c;
		uint64_t n, first;

		if (argc < 2) {
			usage();
		}
		c = find_clock(argv[1]);
		n = c->n_steps;
		first = n > HWSIM_STEPS ? n - HWSIM_STEPS : 0;
		printf("# %llu steps in all; truth_s step_ns\n", (unsigned long long)n);
		for (uint64_t i = first; i < n; i++) {
			const struct hwsim_step *h = &c->steps[i % HWSIM_STEPS];

			printf("%lld.%09lld %lld\n", (long long)(h->truth_ns / NS),
			       (long long)(h->truth_ns % NS), (long long)h->step_ns);
		}
		return 0;
	}
	usage();
	return 2;
}
