"""A key server for the remote key-set tests, run as its own process on 127.0.0.1
(``python keyserver.py``: prints its port, then serves until stdin closes).

``GET /jwks`` answers as the last ``POST /control`` said (JSON: ``body`` the key set text,
``status``, ``cache_control``, ``delay`` seconds before the answer, ``location`` for a
redirect, ``size`` to pad the body past any cap) and counts every request (``GET /count``).
Standard library only: the thing under test is the client.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"body": '{"keys":[]}', "status": 200, "cache_control": None, "delay": 0.0,
         "location": None, "size": 0}
COUNT = {"jwks": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/count":
            with LOCK:
                return self._send(200, json.dumps(COUNT))
        if self.path != "/jwks":
            return self._send(404, "{}")
        with LOCK:
            COUNT["jwks"] += 1
            state = dict(STATE)
        if state["delay"]:
            time.sleep(state["delay"])
        headers = [("content-type", "application/json")]
        if state["cache_control"]:
            headers.append(("cache-control", state["cache_control"]))
        if state["location"]:
            headers.append(("location", state["location"]))
        body = state["body"] + " " * state["size"]
        try:
            self._send(state["status"], body, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        update = json.loads(self.rfile.read(length) or b"{}")
        with LOCK:
            if update.pop("reset_count", False):
                COUNT["jwks"] = 0
            STATE.update(update)
            self._send(200, json.dumps(STATE))


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
