"""One app process of several behind one address: it accepts on the listening socket the
launcher shares between all of them (the kernel hands each connection to one process, as
uvicorn's and gunicorn's own workers do) and on a port of its own, so that each process can
also be reached, checked and tested directly."""

from __future__ import annotations

import argparse
import socket
import sys

import uvicorn


def main(argv: list[str] | None = None) -> int:
    """Serve api.app:create_app on the inherited socket `--fd` and on `--host`:`--port`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="this process's own port")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_keep_alive=30,
    )
    shared = socket.socket(fileno=args.fd)
    own = config.bind_socket()
    uvicorn.Server(config).run(sockets=[shared, own])
    return 0


if __name__ == "__main__":
    sys.exit(main())
