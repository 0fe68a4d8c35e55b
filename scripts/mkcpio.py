#!/usr/bin/env python3
"""Write a staging tree as a newc cpio archive (an initramfs), with owners,
modes and device nodes from a permissions table, without root and without
fakeroot.

    mkcpio.py STAGING PERMISSIONS_TABLE OUTPUT

The table is Buildroot's makedevs format (board/common/permissions.table);
user and group names are looked up in STAGING/etc/passwd and /etc/group.
Every entry not in the table is root:root.  Timestamps are SOURCE_DATE_EPOCH
(or 0), entries are sorted: the same tree gives the same archive.
"""
import os
import stat
import sys


def read_ids(path, field_name=0, field_id=2):
    ids = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if len(parts) > field_id:
                    ids[parts[field_name]] = int(parts[field_id])
    except FileNotFoundError:
        pass
    return ids


def resolve(ids, v, what, lineno):
    if v.lstrip("-").isdigit():
        return int(v)
    if v not in ids:
        sys.exit(f"mkcpio: table line {lineno}: unknown {what} {v!r}")
    return ids[v]


def read_table(path, users, groups):
    """name -> (type, mode, uid, gid, major, minor)"""
    table = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            p = line.split()
            if len(p) < 5:
                sys.exit(f"mkcpio: {path}:{n}: expected at least 5 fields")
            name, typ, mode = p[0], p[1], int(p[2], 8)
            uid = resolve(users, p[3], "user", n)
            gid = resolve(groups, p[4], "group", n)
            major = int(p[5]) if len(p) > 5 and p[5] != "-" else 0
            minor = int(p[6]) if len(p) > 6 and p[6] != "-" else 0
            if typ not in "fdrcb" or len(typ) != 1:
                sys.exit(f"mkcpio: {path}:{n}: unknown type {typ!r}")
            table["/" + name.strip("/")] = (typ, mode, uid, gid, major, minor)
    return table


class Writer:
    def __init__(self, out, mtime):
        self.out = out
        self.mtime = mtime
        self.ino = 1

    def entry(self, name, mode, uid, gid, data=b"", rdev=(0, 0), nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, uid, gid, nlink, self.mtime, len(data),
            0, 0, rdev[0], rdev[1], len(name_b), 0))
        self.ino += 1
        self.out.write(hdr.encode() + name_b)
        self.out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
        self.out.write(data)
        self.out.write(b"\0" * ((4 - len(data) % 4) % 4))

    def trailer(self):
        self.entry("TRAILER!!!", 0, 0, 0)


def main():
    staging, table_path, output = sys.argv[1:4]
    users = read_ids(os.path.join(staging, "etc/passwd"))
    groups = read_ids(os.path.join(staging, "etc/group"))
    table = read_table(table_path, users, groups)
    recursive = {k: v for k, v in table.items() if v[0] == "r"}
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))

    paths = []
    for root, dirs, files in os.walk(staging):
        dirs.sort()
        rel = os.path.relpath(root, staging)
        for d in dirs:
            paths.append(os.path.normpath(os.path.join(rel, d)))
        for f in sorted(files):
            paths.append(os.path.normpath(os.path.join(rel, f)))
    have = {"/" + p for p in paths}

    with open(output, "wb") as out:
        w = Writer(out, mtime)
        for p in sorted(paths):
            full = os.path.join(staging, p)
            name = "/" + p
            st = os.lstat(full)
            mode, uid, gid = st.st_mode, 0, 0
            for top, (_, rmode, ruid, rgid, _, _) in recursive.items():
                if name == top or name.startswith(top + "/"):
                    uid, gid = ruid, rgid
                    if stat.S_ISDIR(mode):
                        mode = stat.S_IFDIR | rmode
            if name in table:
                typ, tmode, uid, gid, _, _ = table[name]
                if typ in "fd":
                    mode = stat.S_IFMT(mode) | tmode
            if stat.S_ISLNK(mode):
                data = os.readlink(full).encode()
            elif stat.S_ISREG(mode):
                with open(full, "rb") as f:
                    data = f.read()
            elif stat.S_ISDIR(mode):
                data = b""
            else:
                sys.exit(f"mkcpio: {name}: unsupported file type")
            w.entry(p, mode, uid, gid, data, nlink=2 if stat.S_ISDIR(mode) else 1)
        # Device nodes cannot be made without root: they exist only here.
        for name, (typ, tmode, uid, gid, major, minor) in sorted(table.items()):
            if typ in "cb":
                if os.path.dirname(name) not in have and os.path.dirname(name) != "/":
                    sys.exit(f"mkcpio: {name}: parent directory missing")
                fmt = stat.S_IFCHR if typ == "c" else stat.S_IFBLK
                w.entry(name.lstrip("/"), fmt | tmode, uid, gid, rdev=(major, minor))
        w.trailer()


if __name__ == "__main__":
    main()
