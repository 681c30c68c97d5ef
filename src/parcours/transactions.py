"""`atomic_action`: the transaction decorator of actions that a feed also drives.

An action decorated with it behaves as `@transaction.atomic` (its own savepoint when nested),
except inside `single_savepoint()`: there it joins the enclosing atomic block without a
savepoint. The HL7 feed processes each message in one atomic block that it rolls back whole on
any failure, so the per-action SAVEPOINT/RELEASE pairs (two statements each, a round trip each
on PostgreSQL) bought nothing there. A failure inside an action then marks the enclosing block
for rollback: callers inside `single_savepoint()` must not catch an action's exception and go
on writing in the same block.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_savepoints: ContextVar[bool] = ContextVar("parcours_action_savepoints", default=True)


def atomic_action(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=_savepoints.get()):
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def single_savepoint() -> Iterator[None]:
    """Open one atomic block (with its savepoint when nested); the `atomic_action`s called
    inside join it without savepoints of their own. An exception rolls the whole block back."""
    with transaction.atomic():
        token = _savepoints.set(False)
        try:
            yield
        finally:
            _savepoints.reset(token)
