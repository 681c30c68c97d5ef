"""The MLLP listener: asyncio streams, one task per connection, database work in one thread.

Framing is ours rather than python-hl7's `HL7StreamReader`, which decodes every frame with one
fixed charset (ASCII by default) before we can look at MSH-18, and which drops a whole frame
with an `InvalidBlockError` when bytes precede the start block. Here a frame is everything up
to `<FS><CR>`; bytes before the last `<VT>` in it are junk from an aborted frame and are
dropped; two frames in one TCP read and a frame split across reads are the stream reader's
ordinary business. A frame longer than `max_message_bytes` is answered AR and the connection
closed (its tail cannot be told from a next frame). A connection silent for `idle_timeout`
seconds is closed; connections beyond `max_connections` are closed on arrival.

Each connection is handled in original acknowledgement mode: a frame is read, processed and
acknowledged before the next one is read. Processing (`ingest`) runs in a single worker thread
so the event loop keeps serving other connections while a commit waits on the disk, and so
SQLite sees one writer per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from hl7.mllp.streams import CARRIAGE_RETURN, END_BLOCK, START_BLOCK

from parcours.interop.hl7v2.ack import build_ack
from parcours.interop.hl7v2.parse import decode, read_header
from parcours.interop.hl7v2.reasons import Hl7Error

logger = logging.getLogger(__name__)

FRAME_END = END_BLOCK + CARRIAGE_RETURN


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 2575
    max_connections: int = 64
    idle_timeout: float = 300.0
    max_message_bytes: int = 1_048_576


@dataclass(frozen=True)
class Reply:
    ack: bytes  # the ACK text, encoded, not yet framed
    ack_code: str


Processor = Callable[[bytes, str], Reply]


_last_connection_check = 0.0
CONNECTION_CHECK_SECONDS = 5.0


def ingest_processor(payload: bytes, peer: str) -> Reply:
    """The real per-message path: Django's database work, in the calling (worker) thread.

    Like a request, it drops a broken or expired database connection, but only after a
    storage failure or every few seconds: checking before each message would cost a round
    trip on PostgreSQL (CONN_HEALTH_CHECKS)."""
    global _last_connection_check
    from django.db import close_old_connections

    from parcours.interop.hl7v2.ingest import ingest

    now = time.monotonic()
    if now - _last_connection_check > CONNECTION_CHECK_SECONDS:
        close_old_connections()
        _last_connection_check = now
    result = ingest(payload, peer=peer)
    if result.message_id is None:
        close_old_connections()
    return Reply(result.ack.encode(result.charset, "replace"), result.ack_code)


def frame(data: bytes) -> bytes:
    return START_BLOCK + data + FRAME_END


def split_frame(block: bytes) -> bytes:
    """The payload of a block read up to `<FS><CR>`: after the last `<VT>`, if any."""
    start = block.rfind(START_BLOCK)
    return block[start + 1 :] if start >= 0 else block


class MllpServer:
    def __init__(
        self,
        config: ServerConfig,
        processor: Processor = ingest_processor,
        *,
        on_thread_exit: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.processor = processor
        self.on_thread_exit = on_thread_exit
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7-db")
        self.connections: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.refused = 0

    @property
    def port(self) -> int:
        assert self.server is not None and self.server.sockets
        return int(self.server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        from parcours.interop.hl7v2.domain_actions import clear_lookup_cache
        from parcours.interop.hl7v2.ingest import clear_source_cache

        clear_source_cache()
        clear_lookup_cache()
        # The reader's limit bounds a frame: readuntil gives up past it.
        self.server = await asyncio.start_server(
            self._connected,
            self.config.host,
            self.config.port,
            limit=self.config.max_message_bytes + len(FRAME_END) + 1,
        )

    async def serve_forever(self) -> None:
        assert self.server is not None
        await self.server.serve_forever()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in list(self.connections):
            writer.close()
        if self.server is not None:
            await self.server.wait_closed()
        loop = asyncio.get_running_loop()
        if self.on_thread_exit is not None:
            await loop.run_in_executor(self.executor, self.on_thread_exit)
        self.executor.shutdown(wait=True)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if isinstance(peername, tuple) else str(peername)
        if len(self.connections) >= self.config.max_connections:
            self.refused += 1
            logger.warning("MLLP connection from %s refused: %d open", peer, len(self.connections))
            writer.close()
            return
        self.connections.add(writer)
        try:
            await self._serve(reader, writer, peer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            logger.exception("MLLP connection from %s failed", peer)
        finally:
            self.connections.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                block = await asyncio.wait_for(
                    reader.readuntil(FRAME_END), timeout=self.config.idle_timeout
                )
            except TimeoutError:
                logger.info("MLLP connection from %s idle, closed", peer)
                return
            except asyncio.IncompleteReadError as eof:
                if eof.partial.strip():
                    logger.warning("MLLP frame from %s cut off by the peer, discarded", peer)
                return
            except asyncio.LimitOverrunError:
                head = await reader.read(4096)
                await self._oversized(writer, head)
                return
            payload = split_frame(block[: -len(FRAME_END)])
            if not payload.strip():
                continue  # keep-alive or noise between frames
            if len(payload) > self.config.max_message_bytes:
                await self._oversized(writer, payload[:4096])
                return
            reply = await loop.run_in_executor(self.executor, self.processor, payload, peer)
            writer.write(frame(reply.ack))
            await writer.drain()

    async def _oversized(self, writer: asyncio.StreamWriter, head: bytes) -> None:
        start = head.find(START_BLOCK)
        decoded = decode(head[start + 1 :] if start >= 0 else head)
        header = read_header(decoded.text)
        error = Hl7Error("oversized", {"limit": self.config.max_message_bytes})
        logger.warning("MLLP frame over %d bytes refused", self.config.max_message_bytes)
        writer.write(frame(build_ack(header, "AR", error).encode(decoded.charset, "replace")))
        await writer.drain()


async def serve(
    config: ServerConfig,
    processor: Processor = ingest_processor,
    *,
    ready: Callable[[MllpServer], None] | None = None,
    stop: asyncio.Event | None = None,
    on_thread_exit: Callable[[], None] | None = None,
) -> None:
    """Run until `stop` is set (or forever)."""
    server = MllpServer(config, processor, on_thread_exit=on_thread_exit)
    await server.start()
    if ready is not None:
        ready(server)
    try:
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()
    finally:
        await server.close()
