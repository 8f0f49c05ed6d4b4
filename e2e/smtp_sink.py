"""A real SMTP server for the mail tests (aiosmtpd): it listens on a free loopback port,
prints that port on its first line, and writes every message it accepts to a JSON file of
its own in the directory it is given: {"mail_from", "rcpt_tos", "headers" (decoded, lower
case names), "parts" (the decoded text of each content type), "data" (the raw message)}.

A recipient whose address starts with "bounce" is refused for good (550), one that starts
with "busy" for now (451): the tests see how the service handles both.

A message to a recipient whose address starts with "slow" is answered late the first time
the server sees it (by its Message-ID): it first writes "held-NNNNNN.txt" (the Message-ID)
in the directory, then waits SLOW seconds (--slow-seconds, 30 by default) before it accepts
the message; a client that goes away meanwhile leaves nothing. A message seen before is
answered at once.

With --count instead of DIR (the dispatch benchmark), it keeps nothing: it answers every
command as above, counts the messages it accepts, serves until it is sent SIGTERM or SIGINT,
and then prints that count on a second line.

Usage: python3 smtp_sink.py DIR [--slow-seconds SLOW]
       python3 smtp_sink.py --count
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, slow_seconds):
        self.directory = directory
        self.count = 0
        self.slow_seconds = slow_seconds
        self.seen = set()
        self.held = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 no such user"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Read by Python's own mail parser: the test sees what a mail client would.
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = str(parsed.get("message-id", ""))
        first = message_id not in self.seen
        self.seen.add(message_id)
        if first and any(r.startswith("slow") for r in envelope.rcpt_tos):
            self.held += 1
            held = os.path.join(self.directory, f"held-{self.held:06d}.txt")
            with open(held + ".part", "w", encoding="utf-8") as f:
                f.write(message_id)
            os.replace(held + ".part", held)
            # Cancelled with the connection when the client goes away.
            await asyncio.sleep(self.slow_seconds)
        self.count += 1
        parts = {}
        for part in parsed.walk():
            if not part.is_multipart():
                parts.setdefault(part.get_content_type(), part.get_content())
        message = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k.lower(): str(v) for k, v in parsed.items()},
            "parts": parts,
            "data": envelope.content.decode("utf-8", errors="replace"),
        }
        name = os.path.join(self.directory, f"{self.count:06d}.json")
        # Written whole before the answer: a test that reads after the send sees it.
        with open(name + ".part", "w", encoding="utf-8") as f:
            json.dump(message, f)
        os.replace(name + ".part", name)
        return "250 Message accepted"


class Counter(Sink):
    """Accepts as the sink does, keeping nothing: only how many."""

    def __init__(self):
        super().__init__(None, 0.0)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 Message accepted"


async def serve(sink, until_signal):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test"), host="127.0.0.1", port=0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    if until_signal:
        # A background job of a script reads /dev/null: its standard input says nothing.
        stop = asyncio.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
        await stop.wait()
    else:
        # Until the test that started it closes its standard input (or ends).
        await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    if until_signal:
        print(sink.count, flush=True)


def main():
    if sys.argv[1:] == ["--count"]:
        asyncio.run(serve(Counter(), until_signal=True))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--slow-seconds", type=float, default=30.0)
    args = parser.parse_args()
    os.makedirs(args.directory, exist_ok=True)
    asyncio.run(serve(Sink(args.directory, args.slow_seconds), until_signal=False))


if __name__ == "__main__":
    main()
