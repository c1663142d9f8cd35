#!/usr/bin/env python3
# The Ceph bucket-notification blog's receiver (seeds/002, "server.py"), as published except that it
# listens on 127.0.0.1 only. test/e2e/ceph-blog.test.ts starts it and reads what it logs.

import logging
from http.server import BaseHTTPRequestHandler, HTTPServer
from sys import argv


class S(BaseHTTPRequestHandler):
    def _set_response(self):
        self.send_response(200)
        self.send_header("Content-type", "text/html")
        self.end_headers()

    def do_GET(self):
        logging.info(f"GET request\nPath: {self.path}\nHeaders:\n{self.headers}\n")
        self._set_response()
        self.wfile.write(f"GET request for {self.path}".encode('utf-8'))

    def do_POST(self):
        content_length = int(self.headers["Content-Length"])
        post_data = self.rfile.read(content_length)
        logging.info(
            f"POST request\nPath: {self.path}\nHeaders:\n{self.headers}\nBody:\n{post_data.decode('utf-8')}\n",
        )

        self._set_response()
        self.wfile.write(f"POST request for {self.path}".encode('utf-8'))


def run(server_class=HTTPServer, handler_class=S, port=8080):
    logging.basicConfig(level=logging.INFO)
    server_address = ("127.0.0.1", port)
    httpd = server_class(server_address, handler_class)
    logging.info("Starting httpd...\n")
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    httpd.server_close()
    logging.info("Stopping httpd...\n")


if __name__ == "__main__":
    if len(argv) == 2:
        run(port=int(argv[1]))
    else:
        run()
