/*
 * A seccomp deny list.  bridged parses packets from the network, so a bug
 * there must not become a shell or a kernel module: after start-up it can
 * no longer exec, fork a process (clone without CLONE_THREAD), trace,
 * mount, load modules or reboot.
 * A deny list rather than an allow list: bridged runs under emulators
 * (LD_PRELOAD) in tests and links linuxptp, whose exact system calls we do
 * not own; what is refused here is what no part of a time daemon needs.
 * Refused calls fail with EPERM instead of killing the process, so a
 * forgotten legitimate use shows as an error in the log, not as an outage.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "bridge/core/log.h"
#include "bridge/core/sandbox.h"
#include "pb_autoconf.h"

#ifdef PB_SECCOMP
#include <seccomp.h>

static const char *const denied[] = {
	"execve", "execveat", "fork", "vfork", "ptrace", "process_vm_writev",
	"process_vm_readv", "mount", "umount2", "pivot_root", "chroot", "move_mount",
	"fsmount", "fsopen", "open_tree", "kexec_load", "kexec_file_load",
	"init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
	"acct", "keyctl", "add_key", "request_key", "userfaultfd", "perf_event_open",
	"unshare", "setns", "iopl", "ioperm", "personality", "quotactl",
};

int sandbox_apply(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0, n = 0;

	if (!ctx) {
		log_warn("seccomp: cannot create a filter");
		return -1;
	}
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	/* glibc's fork() and posix_spawn() are clone() without CLONE_THREAD:
	   refused.  Threads (NTP workers after a reload) stay possible;
	   clone3's flags sit in memory a filter cannot read, so it answers
	   ENOSYS and glibc falls back to clone(). */
	if (rc == 0) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
		n += 2;
	}
	/* All threads: NTP workers may already run. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		log_warn("seccomp: filter not installed: %s", strerror(-rc));
		return -1;
	}
	log_info("seccomp: %d system calls refused from now on", n);
	return 0;
}
#else
int sandbox_apply(void)
{
	return 0;
}
#endif
