#!/usr/bin/env python3
"""Writes a synthetic `journalctl -o export` stream of a Proxmox VE host to stdout.

The shapes are the real ones (systemd 252 export, PVE daemons, kernel records); the content is
generated, with a counter (modulo DISTINCT) in each message. journald shares DATA objects between
equal fields, and rotates a file once its hash tables fill, so DISTINCT bounds the distinct
messages to keep one file growing to hundreds of MB. Used by scripts/bench-journal.sh:

    scripts/gen-journal-export.py ENTRIES [DISTINCT] | systemd-journal-remote --output=big.journal -
"""
import struct
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
DISTINCT = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
BOOT = "7a8b9c0d1e2f40516273849506a7b8c9"
MACHINE = "2dc07f7a727e4b46a1927eab9d6cd4b7"
START_US = 1_753_700_000_000_000
TEMPLATES = [
    ("kernel", None, "kernel", 6, "vmbr0: port 2(tap{v}i0) entered forwarding state #{i}"),
    ("kernel", None, "kernel", 4, "perf: interrupt took too long ({i} > 2500), lowering kernel.perf_event_max_sample_rate to 79750"),
    ("pvestatd", 1580, "syslog", 6, "status update time ({i} seconds)"),
    ("pvedaemon", 2211, "syslog", 6, "<root@pam> successful auth for user 'root@pam' (request {i})"),
    ("pveproxy", 3301, "syslog", 6, "worker {i} finished"),
    ("CRON", 40211, "syslog", 6, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1) run {i}"),
    ("systemd", 1, "journal", 6, "{v}.scope: Consumed {i}.512s CPU time."),
    ("QEMU", 32969, "stdout", 3, "kvm: warning: host doesn't support requested feature: CPUID.{i}H:EAX"),
]

out = sys.stdout.buffer
for i in range(N):
    ident, pid, transport, prio, msg = TEMPLATES[i % len(TEMPLATES)]
    vmid = 100 + i % 20
    message = msg.format(i=i % DISTINCT, v=vmid)
    rt = START_US + i * 1000
    fields = [
        f"__REALTIME_TIMESTAMP={rt}",
        f"__MONOTONIC_TIMESTAMP={86_400_000_000 + i * 1000}",
        f"_BOOT_ID={BOOT}",
        f"_MACHINE_ID={MACHINE}",
        "_HOSTNAME=pve1",
        f"_TRANSPORT={transport}",
        f"PRIORITY={prio}",
        f"SYSLOG_IDENTIFIER={ident}",
    ]
    if pid is not None:
        fields.append(f"_PID={pid}")
    if ident == "systemd":
        fields.append(f"UNIT={vmid}.scope")
    fields.append(f"MESSAGE={message}")
    for f in fields:
        out.write(f.encode() + b"\n")
    if i % 97 == 0:
        # A multi-line MESSAGE goes in the binary form, as journald exports it.
        data = f"multi-line record {i}\n  second line".encode()
        out.write(b"MESSAGE_DETAIL\n" + struct.pack("<Q", len(data)) + data + b"\n")
    out.write(b"\n")
