"""uvicorn, hardened: how long a client may take to send a request or to take an answer.

uvicorn closes idle keep-alive connections, but it waits for ever for the rest of a request that
started to arrive, and for a client that stops reading. `uvicorn_config` returns the configuration
`serve` and `running_server` share; its HTTP protocol is uvicorn's h11 protocol with three limits:

- **Read deadline.** A request's head and body must have arrived `read_timeout` seconds after its
  first byte (for the first request: after the connection opened). Otherwise the connection is
  closed: nothing was executed (the stubs never execute a request whose body did not fully
  arrive), so nothing needs an answer. This also ends a chunked body that announced an absurd chunk
  size and a client that sends its headers one byte at a time.
- **Write deadline.** Output a client does not take (a full socket buffer, then uvicorn's own) is
  dropped with the connection when none of it has been taken for `write_timeout` seconds, so a
  client that never reads its 3,000-row pages pins their memory only that long.
- **Shutdown.** On SIGTERM a connection whose request has not fully arrived is closed at once
  (uvicorn would wait for its body for ever); requests that did arrive still get their answers,
  within `SHUTDOWN_TIMEOUT` seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["SHUTDOWN_TIMEOUT", "HardenedH11Protocol", "uvicorn_config"]

SHUTDOWN_TIMEOUT = 5  # seconds in-flight requests get after SIGTERM before they are cancelled


class HardenedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a read deadline, a write deadline and a prompt shutdown."""

    read_timeout: float = 5.0
    write_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self._pending_output = 0

    # -- the read deadline -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_read_deadline()

    def data_received(self, data: bytes) -> None:
        if self._read_timer is None and not self._request_in_progress():
            self._arm_read_deadline()  # the first byte of the next request
        super().data_received(data)
        self._disarm_if_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request already received
        self._disarm_if_arrived()
        self._watch_output()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def _request_in_progress(self) -> bool:
        """A request whose head arrived and whose answer is not complete yet."""
        cycle = self.cycle
        return cycle is not None and not cycle.response_complete

    def _disarm_if_arrived(self) -> None:
        cycle = self.cycle
        if (
            self._read_timer is not None
            and cycle is not None
            and not cycle.more_body
            and not cycle.response_complete
        ):
            self._read_timer.cancel()
            self._read_timer = None

    def _arm_read_deadline(self) -> None:
        self._read_timer = self.loop.call_later(self.read_timeout, self._read_deadline_passed)

    def _read_deadline_passed(self) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self.logger.isEnabledFor(10):  # DEBUG
            self.logger.debug(
                "%s: request not received within %g s", self.client, self.read_timeout
            )
        self._drop()

    # -- the write deadline ------------------------------------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        self._watch_output()

    def _watch_output(self) -> None:
        """While output waits in the transport, check every `write_timeout` that some was taken."""
        if self._write_timer is not None or self.transport.get_write_buffer_size() == 0:
            return
        self._pending_output = self.transport.get_write_buffer_size()
        self._write_timer = self.loop.call_later(self.write_timeout, self._check_output)

    def _check_output(self) -> None:
        self._write_timer = None
        pending = self.transport.get_write_buffer_size()
        if pending == 0:
            return
        if pending >= self._pending_output:
            if self.logger.isEnabledFor(10):
                self.logger.debug("%s: no output taken for %g s", self.client, self.write_timeout)
            self.transport.abort()  # close() would wait for the buffer to drain: for ever
            return
        self._watch_output()

    # -- shutdown ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_started and cycle.more_body:
            self._drop()  # its body did not arrive: it was not executed and never will be
            return
        super().shutdown()
        self._watch_output()

    def _drop(self) -> None:
        """Close the connection; the request in progress, if any, sees a disconnect."""
        if self.transport.get_write_buffer_size():
            self.transport.abort()
        else:
            self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._read_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        self._read_timer = self._write_timer = None


def protocol_class(read_timeout: float, write_timeout: float) -> type[HardenedH11Protocol]:
    """`HardenedH11Protocol` with these deadlines (uvicorn instantiates the class it is given)."""
    return type(
        "HardenedH11Protocol",
        (HardenedH11Protocol,),
        {"read_timeout": float(read_timeout), "write_timeout": float(write_timeout)},
    )


def uvicorn_config(
    app: Any,
    *,
    read_timeout: float,
    write_timeout: float,
    log_level: str = "warning",
    access_log: bool = False,
) -> uvicorn.Config:
    """The uvicorn configuration of the reference server (`serve` and `running_server`)."""
    return uvicorn.Config(
        app,
        http=protocol_class(read_timeout, write_timeout),
        log_level=log_level,
        lifespan="off",
        access_log=access_log,
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT,
    )
