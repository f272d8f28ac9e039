"""The HTTP protocol `taskoverflow serve` gives uvicorn: its httptools one, with a bound on heads.

Kept apart from `serving` so that the serving process's parent (`--workers N`) names it without
importing the app.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Bytes of a request's line and headers (a browser's or an SDK's are a few KB). httptools keeps a
#: head in memory until it ends and uvicorn sets no bound: a 128 MB header took 15 s to parse,
#: and every other client on the process waited. Past this: 431 and the connection is closed.
MAX_HEAD = 1024 * 1024


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing heads over `MAX_HEAD` as they arrive."""

    _head_open = False  # a request's head has begun and not ended
    _head_fed = 0  # bytes fed while it stayed open (what the parser holds of it)

    def data_received(self, data: bytes) -> None:
        open_before = self._head_open
        super().data_received(data)
        if open_before and self._head_open:
            self._head_fed += len(data)
            if self._head_fed > MAX_HEAD and not self.transport.is_closing():
                message = b"Request header fields too large."
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-type: text/plain; charset=utf-8\r\n"
                    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(message), message)
                )
                self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_open, self._head_fed = True, 0

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()
