/*
 * The boot slots of bridgectl status (bridge/prog/slots.c), from the files
 * GRUB, RAUC and confirm-slot leave, laid out under a temporary root: the
 * image as flashed, an update installed, its first boot, a fallback after
 * the tries ran out, a slot confirm-slot marked bad, and files that are
 * missing or garbage.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/prog/slots.c"

static char root[64];

static void put(const char *path, const char *text)
{
	char full[256], dir[256];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - full), full);
		mkdir(dir, 0755);
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/test_slots.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("/etc/os-release", "NAME=ptpbridge\nVERSION_ID=0.1.0\nBUILD_ID=g1234567\n");
	put("/etc/board.conf", "BOARD=qemu_x86_64\nBOOT_TRIES=3\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* GRUB's environment block: its header, the variables, '#' padding. */
static void env(const char *vars)
{
	char block[1024];

	snprintf(block, sizeof(block), "# GRUB Environment Block\n%s", vars);
	memset(block + strlen(block), '#', sizeof(block) - 1 - strlen(block));
	block[sizeof(block) - 1] = '\0';
	put("/boot/grub/grubenv", block);
}

static const char *slot_field(struct json_object *sys, int i, const char *key)
{
	struct json_object *list, *s, *v;

	assert_true(json_object_object_get_ex(sys, "slots", &list));
	s = json_object_array_get_idx(list, i);
	assert_non_null(s);
	assert_true(json_object_object_get_ex(s, key, &v));
	return json_object_get_string(v);
}

static const char *failed(struct json_object *sys)
{
	struct json_object *v;

	return json_object_object_get_ex(sys, "update_failed", &v) ? json_object_get_string(v) : NULL;
}

static const char *raucs_b =
	"[slot.boot.1]\nbundle.compatible=ptpbridge-qemu_x86_64\nbundle.version=0.2.0\n"
	"bundle.build=g89abcde\nstatus=ok\ninstalled.timestamp=2026-12-07T22:37:54Z\n";

static void no_slots_on_a_host(void **state)
{
	put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n");
	assert_null(slots_read(root));
	put("/proc/cmdline", "rauc.slot=C\n");
	assert_null(slots_read(root));
}

static void as_flashed(void **state)
{
	struct json_object *sys;

	put("/proc/cmdline", "BOOT_IMAGE=(hd0,gpt3)/vmlinuz rauc.slot=A console=ttyS0,115200\n");
	env("ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
	sys = slots_read(root);
	assert_non_null(sys);
	assert_string_equal(slot_field(sys, 0, "state"), "confirmed");
	assert_string_equal(slot_field(sys, 0, "version"), "0.1.0");
	assert_string_equal(slot_field(sys, 0, "build"), "g1234567");
	assert_string_equal(slot_field(sys, 1, "state"), "empty");
	assert_string_equal(slot_field(sys, 1, "version"), "");
	assert_null(failed(sys));
	json_object_put(sys);
}

static void installed_then_booted(void **state)
{
	struct json_object *sys;

	put("/proc/cmdline", "rauc.slot=A\n");
	env("ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=0\n");
	put("/data/rauc/central.raucs", raucs_b);
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "boots-next");
	assert_string_equal(slot_field(sys, 1, "version"), "0.2.0");
	assert_string_equal(slot_field(sys, 1, "installed"), "2026-12-07T22:37:54Z");
	assert_null(failed(sys));
	json_object_put(sys);

	/* its first boot, before confirm-slot: one try counted */
	put("/proc/cmdline", "rauc.slot=B\n");
	env("ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=1\n");
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "unconfirmed");
	assert_string_equal(slot_field(sys, 1, "version"), "0.2.0");
	assert_string_equal(slot_field(sys, 0, "state"), "good");
	/* the other slot's version is not known without an install record */
	assert_string_equal(slot_field(sys, 0, "version"), "");
	json_object_put(sys);
	/* unless confirm-slot noted it when that slot ran */
	put("/data/rauc/slot.A", "VERSION_ID=0.1.0\nBUILD_ID=\"g1234567\"\n");
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 0, "version"), "0.1.0");
	assert_string_equal(slot_field(sys, 0, "build"), "g1234567");
	/* an install record wins over the note */
	assert_string_equal(slot_field(sys, 1, "version"), "0.2.0");
	json_object_put(sys);

	/* confirmed */
	env("ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=0\n");
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "confirmed");
	assert_null(failed(sys));
	json_object_put(sys);
}

static void fell_back(void **state)
{
	struct json_object *sys;

	/* three boots of B never confirmed: GRUB started A */
	put("/proc/cmdline", "rauc.slot=A\n");
	env("ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=1\nB_TRY=3\n");
	put("/data/rauc/central.raucs", raucs_b);
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "failed");
	assert_non_null(failed(sys));
	assert_string_equal(failed(sys),
			    "update to 0.2.0 (slot B) not confirmed after 3 boots: back on A");
	json_object_put(sys);

	/* confirm-slot marked B bad (bridged did not come up) */
	env("ORDER=B A\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "bad");
	assert_non_null(failed(sys));
	assert_string_equal(failed(sys), "update in slot B failed its checks or was cut short: on A");
	json_object_put(sys);

	/* a power cut mid-install: B marked bad, A still first: no failure */
	env("ORDER=A B\nA_OK=1\nA_TRY=0\nB_OK=0\nB_TRY=0\n");
	sys = slots_read(root);
	assert_string_equal(slot_field(sys, 1, "state"), "bad");
	assert_null(failed(sys));
	json_object_put(sys);
}

static void missing_or_garbage(void **state)
{
	struct json_object *sys;
	char junk[3000];

	put("/proc/cmdline", "rauc.slot=B");
	sys = slots_read(root);	/* no grubenv, no status file */
	assert_non_null(sys);
	assert_string_equal(slot_field(sys, 1, "state"), "unknown");
	assert_null(failed(sys));
	json_object_put(sys);

	for (size_t i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)(1 + (i * 7919) % 255);
	junk[sizeof(junk) - 1] = '\0';
	env("ORDER=\nA_OK=x\nB_TRY=-5\nB_OK=99999999999999999999\n");
	put("/data/rauc/central.raucs", junk);
	put("/etc/board.conf", junk);
	sys = slots_read(root);
	assert_non_null(sys);
	assert_string_equal(slot_field(sys, 0, "state"), "unknown");
	json_object_put(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_slots_on_a_host, setup, teardown),
		cmocka_unit_test_setup_teardown(as_flashed, setup, teardown),
		cmocka_unit_test_setup_teardown(installed_then_booted, setup, teardown),
		cmocka_unit_test_setup_teardown(fell_back, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_or_garbage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
