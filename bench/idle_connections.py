#!/usr/bin/env python3
"""Opens N keep-alive connections to the gateway, makes one authenticated request on each (so
every one is an established HTTP/1.1 connection the server has served), holds them all idle,
then prints the gateway's VmRSS and how many connections are still open.

    idle_connections.py --port P --key KEY --pid GATEWAY_PID [--count 10000] [--hold 3]

Prints one line: `open=<n> rss_kib=<VmRSS> hwm_kib=<VmHWM> still_open=<n> failed=<n>`.
Exits 1 when a connection could not be made or did not get a 200.
"""
import argparse
import asyncio
import resource
import sys


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


async def open_one(port, request, gate):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        await reader.readexactly(length)
        if status != 200:
            raise RuntimeError(f"status {status}")
        return reader, writer


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--hold", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=256)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.count + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))

    request = (
        f"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
        f"Authorization: Bearer {args.key}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    gate = asyncio.Semaphore(args.concurrency)
    results = await asyncio.gather(
        *(open_one(args.port, request, gate) for _ in range(args.count)), return_exceptions=True
    )
    connections = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]

    # Idle: nothing is sent or read while the gateway's memory is measured.
    await asyncio.sleep(args.hold)
    rss = proc_status(args.pid, "VmRSS")
    hwm = proc_status(args.pid, "VmHWM")

    # A connection the server closed reads EOF at once; an open one times out.
    async def still_open(reader):
        try:
            data = await asyncio.wait_for(reader.read(1), timeout=0.05)
            return data != b""
        except asyncio.TimeoutError:
            return True

    sample = connections[:: max(1, len(connections) // 500)]
    alive = sum(await asyncio.gather(*(still_open(r) for r, _ in sample)))
    still = round(alive * len(connections) / len(sample)) if sample else 0
    print(
        f"open={len(connections)} rss_kib={rss} hwm_kib={hwm} still_open={still} "
        f"failed={len(failures)}"
    )
    if failures:
        print(f"first failure: {failures[0]!r}", file=sys.stderr)
    for _, writer in connections:
        writer.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
