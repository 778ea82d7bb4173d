"""`rancher-contract serve` (also `python -m reference_server`): the server under uvicorn."""

from __future__ import annotations

import argparse
import math
import socket
import sys
from collections.abc import Sequence
from typing import NoReturn

from rancher_contract.reference_server._layout import default_model
from rancher_contract.reference_server.settings import (
    DEFAULT_DB,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT,
    Settings,
    SettingsError,
)

__all__ = ["main", "parse_args"]

PROG = "rancher-contract serve"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one clear line instead of usage + message
        raise _UsageError(message)


def _delay(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text!r}")
    return value


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, not {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, not {value}")
    return value


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Run the reference server: every resource of the spec set (Rancher 1.x API) on SQLite."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8080, help="port to bind; 0 picks a free one")
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="SQLite database file, or :memory: (default: %(default)s)"
    )
    parser.add_argument("--access-key", help="bootstrap access key (20 characters 0-9A-F)")
    parser.add_argument("--secret-key", help="bootstrap secret key (40 characters 0-9A-Za-z)")
    parser.add_argument(
        "--no-auth", action="store_true", help="access control off: every request runs as the admin"
    )
    parser.add_argument(
        "--transition-delay",
        type=_delay,
        default=0.0,
        metavar="SECONDS",
        help="how long a transition (registering, deactivating, ...) takes; default 0",
    )
    parser.add_argument(
        "--read-timeout",
        type=_timeout,
        default=DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help="a request (headers and body) must arrive within this many seconds of its first "
        "byte, else the connection is closed and nothing is executed; default %(default)g",
    )
    parser.add_argument(
        "--write-timeout",
        type=_timeout,
        default=DEFAULT_WRITE_TIMEOUT,
        metavar="SECONDS",
        help="a client that takes none of its response for this many seconds is disconnected; "
        "default %(default)g",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="serve with a deliberate contract violation (repeatable; for the suite's self-check)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn log level (info shows every request); default warning",
    )
    return parser


def parse_args(argv: Sequence[str]) -> tuple[Settings, str]:
    """Settings and the log level; raises _UsageError with one line on bad arguments."""
    args = _parser().parse_args(list(argv))
    settings = Settings(
        host=args.host,
        port=args.port,
        db=args.db,
        access_key=args.access_key,
        secret_key=args.secret_key,
        auth=not args.no_auth,
        transition_delay=args.transition_delay,
        faults=tuple(args.fault),
        read_timeout=args.read_timeout,
        write_timeout=args.write_timeout,
    )
    return settings, str(args.log_level)


def _bind(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, open the database, bind, print the URL and the key pair, serve until interrupted."""
    try:
        settings, log_level = parse_args(sys.argv[1:] if argv is None else argv)
        settings.validate()
    except _UsageError as exc:
        return _fail(str(exc))
    except SettingsError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0

    import uvicorn

    from rancher_contract.reference_server._http import uvicorn_config
    from rancher_contract.reference_server.app import DatabaseError, build_server

    try:
        server = build_server(settings)
    except (SettingsError, DatabaseError) as exc:
        return _fail(str(exc))
    try:
        try:
            sock = _bind(settings.host, settings.port)
        except OSError as exc:
            return _fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
        port = sock.getsockname()[1]
        url = f"http://{_url_host(settings.host)}:{port}/v1"
        _announce(
            url, server.settings, server.access_key, server.secret_key, generated=_generated(server)
        )
        config = uvicorn_config(
            server.app,
            read_timeout=settings.read_timeout,
            write_timeout=settings.write_timeout,
            log_level=log_level,
            access_log=log_level in ("info", "debug"),
        )
        try:
            uvicorn.Server(config).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
    finally:
        server.close()
    return 0


def _generated(server: object) -> bool:
    bootstrap = getattr(server, "bootstrap", None)
    return bool(getattr(bootstrap, "generated", False))


def _announce(
    url: str, settings: Settings, access_key: str | None, secret_key: str | None, *, generated: bool
) -> None:
    lines = [
        "rancher-contract reference server (Rancher 1.x API: "
        + ", ".join(default_model().types)
        + ")",
        f"  API URL:    {url}",
        f"  database:   {settings.db}",
    ]
    if access_key is None:
        lines.append("  access control: off (--no-auth)")
        lines.append(f"export RANCHER_URL={url}")
    else:
        note = " (new)" if generated else ""
        shown = secret_key or "(not known here: it was printed when the key was generated)"
        lines += [f"  access key: {access_key}{note}", f"  secret key: {shown}"]
        exports = f"export RANCHER_URL={url} RANCHER_ACCESS_KEY={access_key}"
        if secret_key:
            exports += f" RANCHER_SECRET_KEY={secret_key}"
        lines.append(exports)
    if settings.transition_delay:
        lines.append(f"  transitions take {settings.transition_delay:g} s")
    if settings.faults:
        lines.append(f"  FAULTS (deliberate contract violations): {', '.join(settings.faults)}")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
