"""A webhook receiver for the tests: verifies each request with the reference library of
Standard Webhooks (PyPI `standardwebhooks`), answers, and appends what it received to a
file of JSON lines.

    python3 receiver.py --secret-file PATH --log PATH [--fail-first N]
                        [--hold-first N --hold-seconds S]

It listens on 127.0.0.1 on a free port and prints the port on its first line. The secret is
read from its file at each request (the test writes it once the subscription is made). A
request whose signature does not verify is answered 400 and recorded as rejected; of those
that verify, the first N are answered 500 (a receiver that is down), the others 204.

With --hold-first, the first N verified requests are held S seconds before their answer: a
record {"webhook_id", "held": true} is written when one arrives, so that a test knows the
sender waits for the answer; its usual record follows the answer.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--hold-first", type=int, default=0)
    parser.add_argument("--hold-seconds", type=float, default=30.0)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"failures_left": args.fail_first, "holds_left": args.hold_first}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = {
                "webhook_id": headers.get("webhook-id"),
                "content_type": headers.get("content-type"),
                "path": self.path,
            }
            try:
                with open(args.secret_file) as f:
                    secret = f.read().strip()
                event = Webhook(secret).verify(body, headers)
            except Exception as e:  # any failure to verify is a rejection
                record.update(verified=False, error=repr(e), status=400)
            else:
                with lock:
                    fail = state["failures_left"] > 0
                    if fail:
                        state["failures_left"] -= 1
                    hold = state["holds_left"] > 0
                    if hold:
                        state["holds_left"] -= 1
                        with open(args.log, "a") as log:
                            held = {"webhook_id": record["webhook_id"], "held": True}
                            log.write(json.dumps(held) + "\n")
                if hold:
                    time.sleep(args.hold_seconds)
                record.update(verified=True, event=event, status=500 if fail else 204)
            with lock, open(args.log, "a") as log:
                log.write(json.dumps(record) + "\n")
            try:
                self.send_response(record["status"])
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender went away while the answer was held

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
