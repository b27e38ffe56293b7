"""A webhook receiver running the seed's Python verifier (normalized-api-gigaglobe.txt) verbatim.

    python3 python_receiver.py <secret> <log_file>   (or SECRET / RECEIVER_LOG in the environment)

Listens on 127.0.0.1, port 0, and prints the bound port on stdout first. A delivery the snippet
accepts is answered 200 and logged as one line "<X-GigaGlobe-Delivery> <event id>"; the
snippet's own rejections (abort(400)) answer 400; anything the snippet raises answers 500.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SECRET", "")
LOG_FILE = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("RECEIVER_LOG", "")


class Abort(Exception):
    """Flask's abort(status), which the snippet calls."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def abort(status):
    raise Abort(status)


class Request:
    """The framework's `request`, as far as the snippet uses it."""

    def __init__(self, headers):
        self.headers = headers


def verify(request, body):
    # ---- the seed's snippet, verbatim ----
    import hmac, hashlib, time
    sig = request.headers['X-GigaGlobe-Signature']
    t, v1 = [p.split('=')[1] for p in sig.split(',')]
    expected = hmac.new(
    SECRET.encode(),
    f"{t}.{body}".encode(),
    hashlib.sha256
    ).hexdigest()
    if abs(time.time() - int(t)) > 300: abort(400)
    if not hmac.compare_digest(expected, v1): abort(400)
    # ---- end of the snippet ----


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        try:
            verify(Request(self.headers), body)
        except Abort as rejected:
            self.answer(rejected.status, b"")
            return
        except Exception as error:  # what the snippet raises, e.g. two v1 values
            self.answer(500, type(error).__name__.encode())
            return
        try:
            event_id = json.loads(body)["id"]
        except (ValueError, KeyError, TypeError):
            event_id = "-"
        with open(LOG_FILE, "a", encoding="utf-8") as log:
            log.write(f"{self.headers.get('X-GigaGlobe-Delivery')} {event_id}\n")
        self.answer(200, b"ok")

    def answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # quiet: the test reads stdout/stderr for the port only


def main():
    if not SECRET or not LOG_FILE:
        print("usage: python3 python_receiver.py <secret> <log_file>", file=sys.stderr)
        sys.exit(2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
