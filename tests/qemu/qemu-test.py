#!/usr/bin/env python3
"""Boot a ptpbridge image in QEMU and check it on the serial console.

    tests/qemu/qemu-test.py [--workdir DIR] IMAGE

Works on a copy of IMAGE (the image itself is never written).  Boot 1
(legacy BIOS): the prompt appears; `bridgectl status` shows the daemon up,
its config and both NICs; `bridgectl config check` passes; `bridgectl
config set` changes a key; ptpbridge-upgrade rewrites the boot files from a
second disk; poweroff is clean.  Boot 2 (UEFI when OVMF is
installed, else BIOS again), from the same disk: the change is still there,
the config still checks, poweroff is clean.

Each boot has BOOT_TIMEOUT seconds to reach the prompt and is retried once
when it does not; every command has CMD_TIMEOUT seconds; the whole test
TOTAL_TIMEOUT seconds.  On any failure
the console log is shown and the exit status is 1.  Logs are kept in the
work directory (console-*.log).
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

BOOT_TIMEOUT = int(os.environ.get("QEMU_TEST_BOOT_TIMEOUT", "180"))
CMD_TIMEOUT = int(os.environ.get("QEMU_TEST_CMD_TIMEOUT", "60"))
# The whole test, whatever the retries: it must stay bounded in `make check`.
TOTAL_TIMEOUT = int(os.environ.get("QEMU_TEST_TOTAL_TIMEOUT", "540"))
DEADLINE = time.monotonic() + TOTAL_TIMEOUT
# The daemon may still be starting when the prompt appears.
STATUS_TIMEOUT = int(os.environ.get("QEMU_TEST_STATUS_TIMEOUT", "60"))
# ash prints ESC[6n (cursor position query) after its prompt.
PROMPT = re.compile(rb"[\w.-]+# (\x1b\[6n)?$")
# After a command's status the prompt follows; a kernel message may follow
# it in turn, so here it need not be the last thing on the console.
PROMPT_AFTER = re.compile(rb"\n[\w.-]+# ")
RC = re.compile(rb"@@RC=(\d+)@@")
# Messages after which the boot cannot succeed: fail at once, no retry.
FATAL = re.compile(rb"Kernel panic - not syncing[^\r\n]*|can't run '/etc/init\.d/rcS'[^\r\n]*"
                   rb"|No working init found[^\r\n]*")
SET_KEY, SET_VALUE = "ptp.domainNumber", "24"
HERE = os.path.dirname(os.path.abspath(__file__))
QEMU_SH = os.path.join(HERE, "..", "..", "scripts", "qemu.sh")


class Fail(Exception):
    pass


class Console:
    """QEMU with the guest's serial port on a pipe: a tiny expect."""

    def __init__(self, disk, firmware, log_path, extra=()):
        env = dict(os.environ, QEMU_SERIAL="stdio", QEMU_FIRMWARE=firmware, QEMU_NO_REBOOT="1")
        self.log = open(log_path, "wb")
        self.log_path = log_path
        self.proc = subprocess.Popen(
            [QEMU_SH, disk, *extra], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.buf = b""

    def read(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return True
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return False
        self.log.write(data)
        self.log.flush()
        self.buf += data
        return True

    def expect(self, regex, timeout, what):
        if time.monotonic() + timeout > DEADLINE:
            timeout = max(0, DEADLINE - time.monotonic())
            what += f" (the whole test has {TOTAL_TIMEOUT} s)"
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.buf)
            if m:
                out = self.buf[:m.start()]
                self.buf = self.buf[m.end():]
                return m, out
            f = FATAL.search(self.buf)
            if f:
                self.read(1.0)  # the rest of the line, for the message
                f = FATAL.search(self.buf)
                raise Fail(f"{f.group(0).decode(errors='replace')} (waiting for {what})")
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"timed out after {timeout} s waiting for {what}")
            if not self.read(min(left, 1.0)):
                if self.proc.poll() is not None and not regex.search(self.buf):
                    raise Fail(f"QEMU exited ({self.proc.returncode}) waiting for {what}")

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Run cmd in the guest shell; return (exit status, output)."""
        self.buf = b""
        self.send(f'{cmd}; echo "@@RC=$?@@"')
        m, out = self.expect(RC, timeout, f"`{cmd}`")
        self.expect(PROMPT_AFTER, timeout, "the prompt after a command")
        text = out.decode(errors="replace").replace("\r", "")
        # Drop the echoed command line.
        text = text.split("\n", 1)[1] if "\n" in text else ""
        return int(m.group(1)), text

    def must(self, cmd, timeout=CMD_TIMEOUT):
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise Fail(f"`{cmd}` exited {rc}:\n{out}")
        return out

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.read(0.5)
        while self.read(0.1) and self.proc.poll() is None:
            pass
        if self.proc.poll() is None:
            raise Fail(f"QEMU still running {timeout} s after poweroff")
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def step(msg):
    print(f"qemu-test: {msg}", flush=True)


def boot(disk, firmware, workdir, name, extra=()):
    """Boot until the prompt, once more if the first try times out."""
    for attempt in (1, 2):
        log = os.path.join(workdir, f"console-{name}-{attempt}.log")
        c = Console(disk, firmware, log, extra)
        t0 = time.monotonic()
        try:
            # getty starts after rcS; a newline gets a prompt if output
            # scrolled it away.
            c.expect(re.compile(rb"rcS: up"), BOOT_TIMEOUT, "rcS to finish")
            # Kernel messages may follow the prompt: ask for a fresh one
            # until it is the last thing on the console.
            while True:
                try:
                    c.expect(PROMPT, 3, "the shell prompt")
                    break
                except Fail:
                    if c.proc.poll() is not None:
                        raise Fail(f"QEMU exited ({c.proc.returncode}) before the prompt") from None
                    if time.monotonic() - t0 > BOOT_TIMEOUT:
                        raise Fail(f"timed out after {BOOT_TIMEOUT} s waiting for the shell prompt") from None
                    c.send("")
            step(f"{name} ({firmware}): prompt after {time.monotonic() - t0:.1f} s")
            return c
        except Fail as e:
            c.kill()
            if attempt == 2 or "timed out" not in str(e):
                raise Fail(f"{name}: {e}") from None
            step(f"{name}: {e}; retrying once")


def poweroff(c, name):
    c.send("poweroff")
    rc = c.wait_exit(CMD_TIMEOUT)
    c.kill()
    text = open(c.log_path, "rb").read()
    if b"reboot: Power down" not in text:
        raise Fail(f"{name}: no clean power down (QEMU exit {rc})")
    if b"rcK: done" not in text:
        raise Fail(f"{name}: shutdown script did not finish")
    step(f"{name}: powered off cleanly")


def wait_status(c):
    """bridgectl status, until the daemon answers (it may be starting)."""
    deadline = time.monotonic() + STATUS_TIMEOUT
    while True:
        rc, out = c.run("bridgectl status")
        if rc == 0:
            return out
        if time.monotonic() > deadline:
            raise Fail(f"`bridgectl status` exited {rc} for {STATUS_TIMEOUT} s:\n{out}")
        time.sleep(2)


def check_status(out):
    for want in ("eth0", "eth1"):
        if want not in out:
            raise Fail(f"`bridgectl status` does not name {want}:\n{out}")
    if "bridge.conf" not in out:
        raise Fail(f"`bridgectl status` shows no config file:\n{out}")
    # The serial console gets plain ASCII: no colour escapes.
    if "\x1b[" in out:
        raise Fail(f"`bridgectl status` sends escapes to the serial console:\n{out!r}")
    # QEMU 7.2's e1000e has a PHC that never advances: the status must say
    # so rather than pretend to discipline it.
    if "present but broken" not in out:
        raise Fail(f"`bridgectl status` does not call e1000e's stuck PHC broken:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("image")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.image)), "..", "qemu-test")
    os.makedirs(workdir, exist_ok=True)
    for f in os.listdir(workdir):
        if f.startswith("console-"):
            os.unlink(os.path.join(workdir, f))
    disk = os.path.join(workdir, "disk.img")
    shutil.copyfile(args.image, disk)
    uefi = any(os.path.exists(p) for p in ("/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"))
    # A FAT disk with the boot files next to the image, for ptpbridge-upgrade
    # (the qemu_x86_64 board only: it is the one with a second virtio disk).
    upd, extra = None, []
    images = os.path.dirname(os.path.abspath(args.image))
    files = [os.path.join(images, f) for f in ("vmlinuz", "rootfs.cpio.zst", "BOOTX64.EFI", "SHA256SUMS")]
    if os.environ.get("QEMU_BOARD", "qemu_x86_64") == "qemu_x86_64" and all(map(os.path.exists, files)):
        upd = os.path.join(workdir, "upgrade.vfat")
        if os.path.exists(upd):
            os.unlink(upd)
        kib = sum(os.path.getsize(f) for f in files) // 1024 + 4096
        subprocess.run(["mkfs.vfat", "-C", upd, str(kib)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["mcopy", "-i", upd, *files, "::"], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        extra = ["-drive", f"file={upd},format=raw,if=virtio"]
    t_start = time.monotonic()
    c = None
    try:
        c = boot(disk, "bios", workdir, "boot1", extra)
        c.must("stty cols 250; dmesg -n 1")
        out = wait_status(c)
        check_status(out)
        step("boot1: bridgectl status: daemon up, config loaded, eth0 and eth1")
        print("\n".join("    | " + l for l in out.strip().split("\n")), flush=True)
        c.must("bridgectl config check")
        step("boot1: bridgectl config check passed")
        # Users and permissions from the tables (users.table, runtime-dirs).
        out = c.must("id ptpbridge; stat -c '%n %a %U:%G' /run/ptpbridge /data/state /etc/ptpbridge")
        for want in ("/run/ptpbridge 770 root:ptpbridge", "/data/state 775 root:ptpbridge",
                     "/etc/ptpbridge 755 root:root", "gid=990(ptpbridge)"):
            if want not in out:
                raise Fail(f"expected {want!r}:\n{out}")
        step("boot1: user ptpbridge, /run/ptpbridge, /data/state, /etc/ptpbridge as the tables say")
        # bridged runs as ptpbridge with four capabilities (CAP_NET_BIND_SERVICE,
        # NET_ADMIN, NET_RAW, SYS_TIME: 0x2003400) and reaches the PHCs
        # through its group (the stuck-PHC check above opened one).
        out = c.must("grep -E '^(Uid|CapEff|Seccomp):' /proc/$(pidof bridged)/status;"
                     " stat -c '%n %a %G' /dev/ptp0")
        for want in ("Uid:\t990\t990\t990\t990", "CapEff:\t0000000002003400",
                     "Seccomp:\t2", "/dev/ptp0 660 ptpbridge"):
            if want not in out:
                raise Fail(f"expected {want!r} for the running bridged:\n{out}")
        step("boot1: bridged runs as ptpbridge, 4 capabilities, seccomp on, /dev/ptp0 its group's")
        c.must(f"bridgectl config set {SET_KEY} {SET_VALUE}")
        out = c.must("bridgectl config check && grep -i domainNumber /data/ptpbridge/bridge.conf")
        if not re.search(r"domainNumber\s*=\s*24", out):
            raise Fail(f"config set did not reach /data/ptpbridge/bridge.conf:\n{out}")
        step(f"boot1: bridgectl config set {SET_KEY} {SET_VALUE}")
        # The upgrade path of docs/image.md, from a second disk holding this
        # build's boot files: boot 2 runs what it wrote.
        if upd:
            out = c.must("modprobe vfat && mkdir -p /tmp/upd && mount -o ro /dev/vdb /tmp/upd"
                         " && ptpbridge-upgrade /tmp/upd && umount /tmp/upd")
            if "ptpbridge-upgrade: done" not in out:
                raise Fail(f"ptpbridge-upgrade said:\n{out}")
            step("boot1: ptpbridge-upgrade rewrote the boot files on the ESP")
        else:
            c.must("modprobe vfat && mkdir -p /tmp/esp && mount -o ro LABEL=PTPBOOT /tmp/esp"
                   " && ls /tmp/esp/EFI/BOOT/BOOTX64.EFI && umount /tmp/esp")
            step("boot1: the ESP mounts (LABEL=PTPBOOT, vfat)")
        poweroff(c, "boot1")

        c = boot(disk, "uefi" if uefi else "bios", workdir, "boot2", extra)
        c.must("stty cols 250; dmesg -n 1")
        out = c.must("grep -i domainNumber /etc/ptpbridge/bridge.conf")
        if not re.search(r"domainNumber\s*=\s*24", out):
            raise Fail(f"{SET_KEY} = {SET_VALUE} did not survive the reboot:\n{out}")
        c.must("bridgectl config check")
        # rcK unmounted /data: e2fsck found it clean at this boot.
        out = c.must("cat /var/log/e2fsck.log")
        if "ptpbdata: clean" not in out:
            raise Fail(f"the data partition was not clean after the poweroff:\n{out}")
        check_status(wait_status(c))
        step(f"boot2: {SET_KEY} = {SET_VALUE} survived the reboot; /data was clean; status and config check pass")
        poweroff(c, "boot2")
    except Fail as e:
        if c is not None:
            c.kill()
        logs = sorted(f for f in os.listdir(workdir) if f.startswith("console-"))
        if logs:
            last = os.path.join(workdir, logs[-1])
            text = open(last, "rb").read().decode(errors="replace").replace("\r", "")
            lines = text.split("\n")
            print(f"---- console log {last} (last 200 of {len(lines)} lines) ----")
            print("\n".join(lines[-200:]))
            print("---- end of console log ----")
        print(f"qemu-test: FAIL: {e}", flush=True)
        return 1
    finally:
        # Whatever happened (^C, a broken pipe), no QEMU is left behind.
        if c is not None:
            c.kill()
    step(f"passed in {time.monotonic() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
