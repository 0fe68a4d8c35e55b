#!/usr/bin/env python3
"""Boot a ptpbridge image in QEMU and check it on the serial console.

    tests/qemu/qemu-test.py [--workdir DIR] [--key KEY --cert CERT] IMAGE

Works on a copy of IMAGE (the image itself is never written).

Boot 1 (legacy BIOS, slot A): the prompt appears; `bridgectl status` shows
the daemon up, its config, both NICs and slot A confirmed; `bridgectl
config check` passes; `bridgectl config set` changes a key.  With --key
and --cert (the update key of the build) on qemu_x86_64, the update path
of docs/image.md: bundles signed by another key, made for another board,
truncated, corrupted or too big for a slot are refused and slot B is left
as it was; a newer bundle is installed into slot B.  Boot 2 (UEFI when
OVMF is installed) starts slot B, which confirms itself; the config change
is still there.  Then a bundle whose kernel cannot start is installed into
slot A: its boots panic until the tries run out, and the box is back on B,
serving, with the failed update in the status.  Last, the power is cut
while RAUC writes slot A: the box boots slot B.

Each boot has BOOT_TIMEOUT seconds to reach the prompt and is retried once
when it does not; every command has CMD_TIMEOUT seconds; the whole test
TOTAL_TIMEOUT seconds.  On any failure the console log is shown and the
exit status is 1.  Logs are kept in the work directory (console-*.log).
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
TOTAL_TIMEOUT = int(os.environ.get("QEMU_TEST_TOTAL_TIMEOUT", "900"))
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


DISK_SIZE = 1 << 30


def data_size(c):
    """/data's size in MiB and the disk's last usable sector in the GPT."""
    out = c.must("df -m /data | tail -n 1; p=$(readlink -f /dev/ptpbridge/data);"
                 " sfdisk -d /dev/$(basename $(readlink -f /sys/class/block/${p##*/}/..)) | grep last-lba")
    m = re.search(r"^\S+\s+(\d+)\s", out, re.M)
    lba = re.search(r"last-lba:\s*(\d+)", out)
    if not m or not lba:
        raise Fail(f"cannot read /data's size:\n{out}")
    return int(m.group(1)), int(lba.group(1))


def check_shadow(c, expect_hash=None):
    """/etc/shadow is the link to /data/system/shadow (root only)."""
    out = c.must("readlink /etc/shadow; stat -c '%a %U' /data/system/shadow; grep '^root:' /etc/shadow")
    if "/data/system/shadow" not in out or "600 root" not in out:
        raise Fail(f"/etc/shadow is not kept on /data:\n{out}")
    if expect_hash and expect_hash not in out:
        raise Fail(f"root's password did not survive:\n{out}")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Ssh:
    """OpenSSH's client against the guest's port 22, forwarded by QEMU to
    127.0.0.1:port (the test's own user-mode network, nothing else)."""

    def __init__(self, workdir):
        self.port = free_port()
        os.environ["QEMU_SSH_PORT"] = str(self.port)
        self.key = os.path.join(workdir, "ssh-key")
        for f in (self.key, self.key + ".pub"):
            if os.path.exists(f):
                os.unlink(f)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "qemu-test",
                        "-f", self.key], check=True)
        self.pub = open(self.key + ".pub").read().strip()

    def run(self, *opts, cmd="true"):
        argv = ["ssh", "-p", str(self.port), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=60", *opts, "root@127.0.0.1", cmd]
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return 255, "", "timed out"
        return p.returncode, p.stdout, p.stderr

    def host_key(self):
        """The fingerprint of the host key the server shows."""
        rc, out, err = self.run("-i", self.key, "-v", cmd="true")
        m = re.search(r"Server host key: (\S+ \S+)", err)
        return m.group(1) if m else None


def listening_22(c):
    out = c.must("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null")
    return any(len(f) > 3 and f[1].endswith(":0016") and f[3] == "0A"
               for f in (l.split() for l in out.splitlines()))


def ssh_on(c, ssh):
    """Enable SSH on eth1 with the test's key and wait for dropbear."""
    c.must(f"echo '{ssh.pub}' > /etc/ptpbridge/authorized_keys")
    c.must("bridgectl config set remote.ssh_interfaces eth1 && bridgectl config set remote.ssh yes")
    deadline = time.monotonic() + STATUS_TIMEOUT
    while not listening_22(c):
        if time.monotonic() > deadline:
            raise Fail("dropbear does not listen 60 s after ssh = yes:\n"
                       + c.must("logread | grep -i 'ssh\|dropbear' | tail -n 20"))
        time.sleep(2)


MKBUNDLE = os.path.join(HERE, "..", "..", "scripts", "mkbundle.sh")
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def booted_slot(c):
    """The slot GRUB started, from its line on this boot's console."""
    text = open(c.log_path, "rb").read()
    m = re.findall(rb"ptpbridge: slot ([AB]) ", text)
    return m[-1].decode() if m else "?"


def wait_confirmed(c, slot):
    """confirm-slot marks the slot good once bridged answers."""
    deadline = time.monotonic() + STATUS_TIMEOUT
    while True:
        out = c.must("grub-editenv /boot/grub/grubenv list")
        if f"{slot}_OK=1" in out and f"{slot}_TRY=0" in out:
            return out
        if time.monotonic() > deadline:
            log = c.must("logread | grep -i 'confirm-slot\\|rauc' | tail -n 20")
            raise Fail(f"slot {slot} not confirmed in {STATUS_TIMEOUT} s:\n{out}\n{log}")
        time.sleep(2)


def make_bundles(workdir, images, board, key, cert):
    """The bundles of the test on a FAT disk image: name -> path in the guest."""
    slot = os.path.join(images, "slot.vfat")
    version = open(os.path.join(HERE, "..", "..", "VERSION")).read().strip()
    bdir = os.path.join(workdir, "bundles")
    shutil.rmtree(bdir, ignore_errors=True)
    os.makedirs(bdir)
    compat = f"ptpbridge-{board}"

    def bundle(name, slot_img, compatible=compat, ver=version + "+test", k=key, c=cert):
        out = os.path.join(bdir, name)
        subprocess.run([MKBUNDLE, slot_img, compatible, ver, "qemu-test", k, c, out], check=True)
        return out

    newer = bundle("newer.raucb", slot)
    # Another key: a bundle anyone could make.
    okey, ocert = os.path.join(bdir, "other.key"), os.path.join(bdir, "other.cert")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", okey, "-out", ocert, "-days", "2", "-subj", "/CN=not ours"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bundle("otherkey.raucb", slot, k=okey, c=ocert)
    bundle("otherboard.raucb", slot, compatible="ptpbridge-some_other_board")
    data = open(newer, "rb").read()
    open(os.path.join(bdir, "truncated.raucb"), "wb").write(data[:len(data) // 2])
    # A few bytes flipped in the payload (the signed part is at the end).
    bad = bytearray(data)
    for off in range(len(bad) // 3, len(bad) // 3 + 4096, 512):
        bad[off] ^= 0xff
    open(os.path.join(bdir, "corrupted.raucb"), "wb").write(bad)
    # A slot image larger than the slot (PB_BOARD_SLOT_SIZE is 40 MiB).
    big = os.path.join(bdir, "big.vfat")
    with open(big, "wb") as f:
        f.write(os.urandom(1 << 16))
        f.truncate(48 << 20)
    bundle("toobig.raucb", big)
    os.unlink(big)
    # A slot whose kernel cannot start its init: it panics, then reboots.
    nokernel = os.path.join(bdir, "noinit.vfat")
    shutil.copyfile(slot, nokernel)
    cfg = os.path.join(bdir, "boot.cfg")
    open(cfg, "w").write('set cmdline="console=ttyS0,115200 rdinit=/bin/false panic=1"\n')
    subprocess.run(["mcopy", "-o", "-i", nokernel, cfg, "::/boot.cfg"], check=True, env=MTOOLS_ENV)
    bundle("noinit.raucb", nokernel, ver=version + "+noinit")
    os.unlink(nokernel)
    for f in (okey, ocert, cfg):
        os.unlink(f)
    names = sorted(os.listdir(bdir))
    disk = os.path.join(workdir, "bundles.vfat")
    if os.path.exists(disk):
        os.unlink(disk)
    kib = sum(os.path.getsize(os.path.join(bdir, f)) for f in names) // 1024 + 8192
    subprocess.run(["mkfs.vfat", "-C", disk, str(kib)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mcopy", "-i", disk, *[os.path.join(bdir, f) for f in names], "::"],
                   check=True, env=MTOOLS_ENV)
    shutil.rmtree(bdir)
    return disk, version


def refused(c, name, why):
    rc, out = c.run(f"bridgectl update /mnt/{name}", 180)
    if rc != 1 or why not in out:
        raise Fail(f"`bridgectl update {name}`: expected exit 1 and {why!r}, got {rc}:\n{out}")
    step(f"refused {name}: {out.strip().splitlines()[-1][:110]}")


def panics(disk, firmware, workdir, name):
    """A boot that must end in a kernel panic (QEMU exits at the reboot)."""
    log = os.path.join(workdir, f"console-{name}.log")
    c = Console(disk, firmware, log)
    t0 = time.monotonic()
    try:
        want = re.compile(rb"Kernel panic - not syncing[^\r\n]*")
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not want.search(c.buf):
            if PROMPT.search(c.buf) or b"rcS: up" in c.buf:
                raise Fail(f"{name}: booted (slot {booted_slot(c)}) where a panic was expected")
            if time.monotonic() > deadline:
                raise Fail(f"{name}: no panic in {BOOT_TIMEOUT} s")
            if not c.read(1.0) and c.proc.poll() is not None:
                break
        if not want.search(c.buf):
            raise Fail(f"{name}: QEMU exited without a panic")
        c.wait_exit(30)
        slot = booted_slot(c)
        step(f"{name} ({firmware}): slot {slot}, kernel panic, QEMU gone after {time.monotonic() - t0:.1f} s")
        return slot
    finally:
        c.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("image")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--key", default=None, help="the update key of this build (PEM)")
    ap.add_argument("--cert", default=None, help="its certificate (PEM)")
    args = ap.parse_args()
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.image)), "..", "qemu-test")
    os.makedirs(workdir, exist_ok=True)
    for f in os.listdir(workdir):
        if f.startswith("console-"):
            os.unlink(os.path.join(workdir, f))
    disk = os.path.join(workdir, "disk.img")
    shutil.copyfile(args.image, disk)
    # The image written to a larger disk: /data must grow to fill it.
    with open(disk, "r+b") as f:
        f.truncate(DISK_SIZE)
    uefi = any(os.path.exists(p) for p in ("/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"))
    board = os.environ.get("QEMU_BOARD", "qemu_x86_64")
    images = os.path.dirname(os.path.abspath(args.image))
    # The update tests need a second disk (virtio: the qemu_x86_64 board)
    # and the key the build signs with.
    bundles, extra = None, []
    if board == "qemu_x86_64" and args.key and args.cert:
        bundles, version = make_bundles(workdir, images, board, args.key, args.cert)
        extra = ["-drive", f"file={bundles},format=raw,if=virtio,readonly=on"]
    ssh = Ssh(workdir)
    t_start = time.monotonic()
    c = None
    try:
        c = boot(disk, "bios", workdir, "boot1", extra)
        if booted_slot(c) != "A":
            raise Fail(f"boot1: GRUB started slot {booted_slot(c)}, not A")
        c.must("stty cols 250; dmesg -n 1")
        size1, lba1 = data_size(c)
        if b"rcS: growing" not in open(c.log_path, "rb").read() or size1 < 800 \
                or lba1 < DISK_SIZE // 512 - 34 - 2048:
            raise Fail(f"boot1: /data did not grow to the 1 GiB disk: {size1} MiB, last LBA {lba1}")
        step(f"boot1: /data grew to {size1} MiB on the 1 GiB disk, backup GPT at its end (last LBA {lba1})")
        out = c.must("cat /data/FORMAT")
        if "format=1\ncompat=1" not in out:
            raise Fail(f"boot1: /data/FORMAT is not format 1:\n{out}")
        # A password set with passwd is kept on /data.
        c.must("printf 'qemu-test-pw\\nqemu-test-pw\\n' | passwd root")
        pw = c.must("grep '^root:' /data/system/shadow").strip().split(":")[1]
        check_shadow(c, pw)
        out = wait_status(c)
        check_status(out)
        step("boot1: bridgectl status: daemon up, config loaded, eth0 and eth1")
        # DHCP (udhcpc's hook) gave both NICs their address.
        deadline = time.monotonic() + STATUS_TIMEOUT
        while True:
            out = c.must("ip -o -4 addr show scope global")
            if all(re.search(rf"\b{n}\s+inet 10\.0\.{k}\.15/24", out) for n, k in (("eth0", 2), ("eth1", 3))):
                break
            if time.monotonic() > deadline:
                raise Fail(f"boot1: DHCP gave eth0 and eth1 no address in {STATUS_TIMEOUT} s:\n{out}")
            time.sleep(2)
        step("boot1: DHCP: eth0 and eth1 have their addresses")
        rc, _, err = ssh.run("-i", ssh.key)
        if listening_22(c) or rc == 0:
            raise Fail(f"boot1: SSH is on by default (rc {rc}): {err}")
        step("boot1: no SSH by default (nothing on port 22; a login from the host fails)")
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
        wait_confirmed(c, "A")
        out = c.must("bridgectl status | grep slot")
        if not re.search(r"Boot slot\s*: A, \S+ \S+, confirmed", out) or "Other slot  : B, -, empty" not in out:
            raise Fail(f"status does not show slot A confirmed and B empty:\n{out}")
        step("boot1: slot A confirmed; status: " + " / ".join(out.strip().splitlines()))
        if bundles:
            c.must("mkdir -p /mnt && mount -o ro /dev/vdb /mnt")
            before = c.must("md5sum /dev/ptpbridge/slot-b; grub-editenv /boot/grub/grubenv list")
            refused(c, "otherkey.raucb", "not signed by this box's update key")
            refused(c, "otherboard.raucb", "made for 'ptpbridge-some_other_board'")
            refused(c, "truncated.raucb", "refused")
            refused(c, "corrupted.raucb", "not a complete bundle")
            refused(c, "toobig.raucb", "not enough space")
            after = c.must("md5sum /dev/ptpbridge/slot-b; grub-editenv /boot/grub/grubenv list")
            if after != before:
                raise Fail(f"a refused bundle changed slot B or the boot choice:\n{before}\n{after}")
            step("boot1: five bad bundles refused; slot B and GRUB's environment unchanged")
            t0 = time.monotonic()
            out = c.must("bridgectl update /mnt/newer.raucb", 300)
            if "Copying image to boot.1" not in out or "slot B holds" not in out:
                raise Fail(f"update did not report its progress:\n{out}")
            step(f"boot1: bridgectl update newer.raucb into slot B in {time.monotonic() - t0:.1f} s")
            out = c.must("bridgectl status | grep slot")
            if not re.search(rf"Other slot  : B, {re.escape(version)}\+test qemu-test, boots-next, 20\d\d-\d\d-\d\d \d\d:\d\d\n", out):
                raise Fail(f"status does not show slot B ready:\n{out}")
            c.must("umount /mnt")
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
        step(f"boot2: {SET_KEY} = {SET_VALUE} survived; /data was clean; status and config check pass")
        ssh_on(c, ssh)
        rc, out, err = ssh.run("-i", ssh.key, cmd="id -u; cat /proc/cmdline")
        if rc != 0 or not out.startswith("0\n"):
            raise Fail(f"boot2: key login over SSH failed ({rc}):\n{out}\n{err}")
        rc, _, err = ssh.run("-v", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password")
        if rc == 0 or "Authentications that can continue: publickey" not in err or \
                re.search(r"can continue: .*password", err):
            raise Fail(f"boot2: the server offers password logins ({rc}):\n{err}")
        hostkey = ssh.host_key()
        step(f"boot2: ssh = yes on eth1: root logs in with a key, passwords not offered; host key {hostkey}")
        size2, lba2 = data_size(c)
        if b"rcS: growing" in open(c.log_path, "rb").read() or (size2, lba2) != (size1, lba1):
            raise Fail(f"boot2: /data changed again: {size1} -> {size2} MiB, LBA {lba1} -> {lba2}")
        check_shadow(c, pw)
        step(f"boot2: /data not grown again ({size2} MiB); root's password kept")
        if bundles:
            if booted_slot(c) != "B":
                raise Fail(f"boot2: GRUB started slot {booted_slot(c)}, not the updated B")
            wait_confirmed(c, "B")
            out = c.must("bridgectl status | grep slot")
            if f"Boot slot   : B, {version}+test qemu-test, confirmed" not in out or \
                    not re.search(rf"Other slot  : A, {re.escape(version)} \S+, good", out):
                raise Fail(f"status does not show slot B running and confirmed, A's version:\n{out}")
            step("boot2: the update runs: " + " / ".join(out.strip().splitlines()))
            c.must("mkdir -p /mnt && mount -o ro /dev/vdb /mnt && bridgectl update /mnt/noinit.raucb"
                   " && umount /mnt", 300)
            step("boot2: installed a bundle whose init cannot start into slot A")
        poweroff(c, "boot2")

        if bundles:
            t0 = time.monotonic()
            for i in range(1, 4):
                slot = panics(disk, "bios", workdir, f"boot3-try{i}")
                if slot != "A":
                    raise Fail(f"try {i} of the broken update started slot {slot}, not A")
            c = boot(disk, "bios", workdir, "boot4", extra)
            if booted_slot(c) != "B":
                raise Fail(f"after three failed tries GRUB started {booted_slot(c)}, not B")
            step(f"boot4: back on slot B {time.monotonic() - t0:.1f} s after the first try")
            c.must("stty cols 250; dmesg -n 1")
            check_status(wait_status(c))
            wait_confirmed(c, "B")
            out = c.must("bridgectl status")
            if f"update to {version}+noinit (slot A) not confirmed after 3 boots: back on B" not in out:
                raise Fail(f"status does not report the failed update:\n{out}")
            step("boot4: serving, status says: update to ... (slot A) not confirmed after 3 boots")
            # Power cut while RAUC writes slot A.
            c.must("mkdir -p /mnt && mount -o ro /dev/vdb /mnt")
            c.buf = b""
            c.send("bridgectl update /mnt/newer.raucb")
            c.expect(re.compile(rb"Copying image to boot\.0"), 180, "RAUC to start writing slot A")
            c.kill()
            step("boot4: power cut while RAUC was writing slot A")
            c = boot(disk, "bios", workdir, "boot5", extra)
            if booted_slot(c) != "B":
                raise Fail(f"after the power cut GRUB started {booted_slot(c)}, not B")
            c.must("stty cols 250; dmesg -n 1")
            check_status(wait_status(c))
            wait_confirmed(c, "B")
            out = c.must("bridgectl status | grep slot")
            if "Other slot  : A" not in out or "bad" not in out or "was cut short" not in out:
                raise Fail(f"status does not show slot A as bad after the cut:\n{out}")
            check_shadow(c, pw)
            deadline = time.monotonic() + STATUS_TIMEOUT
            while not listening_22(c) and time.monotonic() < deadline:
                time.sleep(2)
            if ssh.host_key() != hostkey:
                raise Fail(f"boot5: SSH host key changed or login failed: {ssh.host_key()} != {hostkey}")
            step("boot5: SSH still on after update and rollback, same host key")
            step("boot5: the power cut left slot B running and confirmed: "
                 + " / ".join(out.strip().splitlines()))
            poweroff(c, "boot5")
    except Fail as e:
        if c is not None:
            c.kill()
        logs = sorted((f for f in os.listdir(workdir) if f.startswith("console-")),
                      key=lambda f: os.path.getmtime(os.path.join(workdir, f)))
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
