#!/usr/bin/env python3
"""Hostile clients for the soak test: every few seconds one of the attacks the
server must survive (issue 8), against RTMP and HTTP ports given on the
command line. Runs until killed; prints one line per attack round."""

import random
import socket
import sys
import threading
import time

RTMP_PORT = int(sys.argv[1])
HTTP_PORT = int(sys.argv[2])
API_PORT = int(sys.argv[3])
HOST = "127.0.0.1"


def conn(port, timeout=5):
    s = socket.create_connection((HOST, port), timeout=timeout)
    return s


def handshake(s):
    s.sendall(b"\x03" + bytes(1536))
    need = 1 + 1536 * 2
    got = b""
    while len(got) < need:
        d = s.recv(65536)
        if not d:
            raise OSError("closed during handshake")
        got += d
    s.sendall(got[1:1537])  # C2 = S1


def amf_string(v):
    b = v.encode()
    return b"\x02" + len(b).to_bytes(2, "big") + b


def amf_number(v):
    import struct
    return b"\x00" + struct.pack(">d", v)


def command(csid, payload, stream_id=0):
    # One fmt 0 chunk (payloads here are < 128 bytes).
    assert len(payload) <= 128
    return bytes([csid]) + bytes(3) + len(payload).to_bytes(3, "big") + b"\x14" + stream_id.to_bytes(4, "little") + payload


def connect_cmd(app, tc_url):
    obj = b"\x03" + b"".join(
        len(k).to_bytes(2, "big") + k.encode() + amf_string(v)
        for k, v in (("app", app), ("tcUrl", tc_url))
    ) + b"\x00\x00\x09"
    return command(3, amf_string("connect") + amf_number(1) + obj)


def garbage():
    with conn(RTMP_PORT) as s:
        s.sendall(random.randbytes(4096))


def bad_names():
    for app in ["..", "a\nb", "live/../x"]:
        try:
            with conn(RTMP_PORT) as s:
                handshake(s)
                s.sendall(connect_cmd(app, f"rtmp://{HOST}:{RTMP_PORT}/{app}"))
                s.recv(4096)
        except OSError:
            pass


def ping_flood():
    # Pings whose pongs are never read: closed beyond the output cap.
    try:
        with conn(RTMP_PORT) as s:
            handshake(s)
            first = b"\x02" + bytes(3) + (6).to_bytes(3, "big") + b"\x04" + bytes(4) + b"\x00\x06\x00\x00\x00\x01"
            s.sendall(first)
            block = b"\xc2\x00\x06\x00\x00\x00\x01" * 20000
            for _ in range(200):
                s.sendall(block)
    except OSError:
        pass


def huge_command():
    try:
        with conn(RTMP_PORT) as s:
            handshake(s)
            n = (16 << 20) - 1
            s.sendall(b"\x03" + bytes(3) + n.to_bytes(3, "big") + b"\x14" + bytes(4))
            for _ in range(16):
                s.sendall(b"\x05" * (1 << 20))
    except OSError:
        pass


def slowloris(port, first, rest, seconds=15):
    try:
        with conn(port, timeout=30) as s:
            s.sendall(first)
            for b in rest[:seconds // 3]:
                time.sleep(3)
                s.sendall(bytes([b]))
    except OSError:
        pass


def http_pipeline_and_smuggle():
    try:
        with conn(HTTP_PORT) as s:
            s.sendall(b"GET /live/nope.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n" * 3000)
            s.settimeout(5)
            while s.recv(65536):
                pass
    except OSError:
        pass
    try:
        with conn(HTTP_PORT) as s:
            s.sendall(b"POST / HTTP/1.1\r\nContent-Length: +5\r\nContent-Length: 7\r\n\r\nhello")
            s.recv(4096)
    except OSError:
        pass


def api_cross_origin_kick():
    try:
        with conn(API_PORT) as s:
            s.sendall(b"DELETE /api/v1/clients/100 HTTP/1.1\r\nHost: x\r\nOrigin: http://evil\r\n\r\n")
            s.recv(4096)
    except OSError:
        pass


def idle_sockets(n=50, hold=20):
    socks = []
    for _ in range(n):
        try:
            socks.append(conn(RTMP_PORT))
        except OSError:
            break
    time.sleep(hold)
    for s in socks:
        s.close()


ATTACKS = [
    ("garbage", garbage),
    ("bad names", bad_names),
    ("ping flood", ping_flood),
    ("huge command", huge_command),
    ("rtmp slowloris", lambda: slowloris(RTMP_PORT, b"\x03", bytes(64))),
    ("http slowloris", lambda: slowloris(HTTP_PORT, b"GET / HTTP/1.1\r\n", b"X-a: " + b"a" * 60)),
    ("http pipeline + smuggling", http_pipeline_and_smuggle),
    ("api cross-origin kick", api_cross_origin_kick),
    ("idle sockets", idle_sockets),
]


def main():
    rounds = 0
    while True:
        name, attack = random.choice(ATTACKS)
        threading.Thread(target=attack, daemon=True).start()
        rounds += 1
        print(f"[hostile] round {rounds}: {name}", flush=True)
        time.sleep(5)


if __name__ == "__main__":
    main()
