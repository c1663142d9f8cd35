"""The aws cli, resident: runs `aws ARGS` commands one at a time in this process.

Starting the aws cli costs ~1 s of CPU (python, botocore imports, the service models) and the
e2e suites run hundreds of commands. This runs the same code path (awscli.clidriver, a fresh
driver and session per command, so credentials and config come from that command's
environment) and keeps only the imports and the parsed service models between commands.

Protocol (one JSON object per line): in {"argv", "env", "cwd", "stdin"(base64)|null};
out {"code", "stdout"(base64), "stderr"}. The protocol uses a private copy of fd 1; the
command's own stdout/stderr are captured, stray writes to fd 1 go to stderr.
"""
import base64
import io
import json
import os
import sys

proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)

from awscli.clidriver import create_clidriver  # noqa: E402  (after the fd shuffle)

loader = None
# awscli's import puts its own data directory (cli.json) in AWS_DATA_PATH; every command needs it.
AWSCLI_ENV = {k: v for k, v in os.environ.items() if k == "AWS_DATA_PATH"}


class Captured(io.TextIOWrapper):
    def __init__(self, data=b""):
        super().__init__(io.BytesIO(data), encoding="utf-8", errors="replace", write_through=True)

    def isatty(self):
        return False

    def value(self):
        self.flush()
        return self.buffer.getvalue()


def run_one(req):
    global loader
    os.environ.clear()
    os.environ.update(req["env"])
    os.environ.update(AWSCLI_ENV)
    os.chdir(req.get("cwd") or "/")
    out, err = Captured(), Captured()
    stdin = base64.b64decode(req["stdin"]) if req.get("stdin") else b""
    sys.stdin, sys.stdout, sys.stderr = Captured(stdin), out, err
    try:
        driver = create_clidriver()
        if loader is None:
            loader = driver.session.get_component("data_loader")
        else:
            driver.session.register_component("data_loader", loader)
        code = driver.main(req["argv"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:  # a crash of the cli is a failed command, not a dead runner
        err.write(f"aws_resident: {type(e).__name__}: {e}\n")
        code = 255
    finally:
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
    return {
        "code": code if code is not None else 0,
        "stdout": base64.b64encode(out.value()).decode("ascii"),
        "stderr": err.value().decode("utf-8", "replace"),
    }


for line in proto_in:
    if not line.strip():
        continue
    reply = run_one(json.loads(line))
    proto_out.write(json.dumps(reply) + "\n")
    proto_out.flush()
