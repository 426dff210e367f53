"""A PostgreSQL server on 127.0.0.1 that refuses every connection, as a real one does.

Start-up must say in one line what to fix when PostgreSQL turns Convene away:
a wrong password (SQLSTATE 28P01), a database that does not exist (3D000).
A real server that checks passwords is not always at hand in a test run, so
this one speaks just enough of the frontend/backend protocol (PostgreSQL's
documentation, "Message Flow: Start-up" and "Message Formats") for a client
to get that far: it declines SSL, asks for a password if told to, and then
answers with the error a server sends before it closes the connection.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Self

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
AUTHENTICATION_CLEARTEXT_PASSWORD = 3

WRONG_PASSWORD = ("28P01", 'password authentication failed for user "{user}"')
NO_SUCH_DATABASE = ("3D000", 'database "{database}" does not exist')


class RefusingPostgres:
    """``async with RefusingPostgres(WRONG_PASSWORD) as server:``, then connect to its ``port``."""

    def __init__(self, refusal: tuple[str, str], *, asks_password: bool = True) -> None:
        self._sqlstate, self._message = refusal
        self._asks_password = asks_password
        self._server: asyncio.Server | None = None
        self.port = 0
        self.refused = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            parameters = await self._start_up(reader, writer)
            if self._asks_password:
                writer.write(b"R" + struct.pack("!ii", 8, AUTHENTICATION_CLEARTEXT_PASSWORD))
                await writer.drain()
                await _message(reader)  # the password: whatever it is, it is wrong
            message = self._message.format(
                user=parameters.get("user", ""), database=parameters.get("database", "")
            )
            fields = b"".join(
                code + value.encode() + b"\0"
                for code, value in (
                    (b"S", "FATAL"),
                    (b"V", "FATAL"),
                    (b"C", self._sqlstate),
                    (b"M", message),
                )
            )
            writer.write(b"E" + struct.pack("!i", len(fields) + 5) + fields + b"\0")
            await writer.drain()
            self.refused += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _start_up(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> dict[str, str]:
        """Decline SSL (and GSS) requests; return the start-up message's parameters."""

        while True:
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                writer.write(b"N")
                await writer.drain()
                continue
            words = body[4:].split(b"\0")
            return {
                words[i].decode(): words[i + 1].decode()
                for i in range(0, len(words) - 1, 2)
                if words[i]
            }


async def _message(reader: asyncio.StreamReader) -> bytes:
    """One tagged message from the client (its body)."""

    await reader.readexactly(1)
    (length,) = struct.unpack("!i", await reader.readexactly(4))
    return await reader.readexactly(length - 4)
