"""The threads a read runs on: a small pool of daemon threads.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter
exits. A read is given up while requests are in flight when its manifest fails to
load (``Reader.abandon``): with that pool, the process printed the manifest's
errors and then waited for those requests' answers, up to the attempt timeout
against an account that does not answer (30 s by default). A read changes
nothing, so a process that gave one up may end without its answers: these
threads are daemons, and every read that is not given up still waits for all of
them (``shutdown(wait=True)``, as the engine's readers do).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any


@dataclass
class _Work:
    future: Future[Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...]


class ReadPool:
    """``submit`` / ``shutdown`` / ``with`` as ``ThreadPoolExecutor`` has them, on at most
    ``workers`` daemon threads, each running ``initializer(*initargs)`` first."""

    def __init__(
        self,
        workers: int,
        name: str,
        *,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self._workers, self._name = max(1, workers), name
        self._initializer, self._initargs = initializer, initargs
        self._queue: SimpleQueue[_Work | None] = SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit to a read pool after shutdown")
            self._queue.put(_Work(future, fn, args))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._run, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        if self._initializer is not None:
            self._initializer(*self._initargs)
        while (work := self._queue.get()) is not None:
            if work.future.set_running_or_notify_cancel():
                try:
                    result = work.fn(*work.args)
                except BaseException as exc:  # handed to whoever waits on the future
                    work.future.set_exception(exc)
                else:
                    work.future.set_result(result)
                del work  # the finished work's result is not kept alive by an idle thread
            self._idle.release()
        self._queue.put(None)  # the next thread stops too

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                if cancel_futures:
                    self._cancel_queued()
                self._queue.put(None)
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()

    def _cancel_queued(self) -> None:
        pending: list[_Work | None] = []
        while not self._queue.empty():
            pending.append(self._queue.get())
        for work in pending:
            if work is not None:
                work.future.cancel()

    def __enter__(self) -> ReadPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True)
