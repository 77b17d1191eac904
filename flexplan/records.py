"""Dataclasses whose methods are made when the class is first used, not when it is defined.

``@dataclass`` compiles ``__init__``, ``__repr__``, ``__eq__`` (and more) as source
text when its module is imported: about a millisecond a class. ``validate`` imports
many classes it never instantiates (plan changes, errors it has no reason to raise),
so start-up pays for them all. A ``Record`` is an ordinary dataclass made later::

    class Problem(Record, frozen=True):
        message: str
        path: FieldPath = ()

The class becomes a dataclass (``dataclasses.dataclass(cls, frozen=True)``, in place)
when its first instance is made, or when something asks whether it is one
(``dataclasses.fields``, ``is_dataclass``, ``__match_args__``), whichever is first;
from then on it is exactly that dataclass. Making is done once, under a lock, so
threads constructing first instances together all get the finished class.

Limits, refused at definition: ``Record`` must be the first base; a record cannot be
subclassed (a subclass's dataclass would need its base made first); the class may not
define ``__init__`` or ``__new__`` (the dataclass writes one, ``Record`` owns the other);
``slots=True`` is refused (it makes a new class, which the name would not follow).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, dataclass_transform

# what dataclasses reads to tell a dataclass, until the class is made
_MARKERS = ("__dataclass_fields__", "__dataclass_params__", "__match_args__")

_pending: dict[type, dict[str, Any]] = {}  # record class -> its dataclass options, until made
_making = threading.RLock()


def make(cls: type) -> None:
    """Make ``cls`` its dataclass now, if it is a record not made yet."""
    if cls not in _pending:
        return
    with _making:
        options = _pending.get(cls)
        if options is None:  # another thread made it while this one waited
            return
        dataclasses.dataclass(cls, **options)
        # dataclass sets __match_args__ only where the class has none: a marker stands there
        if options["match_args"]:
            fields = dataclasses.fields(cls)
            type.__setattr__(
                cls, "__match_args__", tuple(f.name for f in fields if f.init and not f.kw_only)
            )
        else:
            type.__delattr__(cls, "__match_args__")
        del _pending[cls]


class _MadeOnRead:
    """Stands for a dataclass attribute until the class is made; reading it makes it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type) -> Any:
        make(owner)
        return owner.__dict__[self.name]


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
class Record:
    """Base of a dataclass made on first use; class keywords are ``dataclass``'s options."""

    __slots__ = ()

    def __init_subclass__(
        cls,
        *,
        init: bool = True,
        repr: bool = True,
        eq: bool = True,
        order: bool = False,
        unsafe_hash: bool = False,
        frozen: bool = False,
        match_args: bool = True,
        kw_only: bool = False,
        **other: Any,
    ) -> None:
        if other:
            unknown = ", ".join(sorted(other))
            raise TypeError(
                f"{cls.__qualname__}: a record takes dataclass's options but slots and"
                f" weakref_slot, not {unknown}"
            )
        _refuse_unsupported(cls)
        super().__init_subclass__()
        _pending[cls] = {
            "init": init, "repr": repr, "eq": eq, "order": order, "unsafe_hash": unsafe_hash,
            "frozen": frozen, "match_args": match_args, "kw_only": kw_only,
        }  # fmt: skip
        for name in _MARKERS:
            type.__setattr__(cls, name, _MadeOnRead(name))

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls in _pending:
            make(cls)
        base_new = super().__new__
        if base_new is object.__new__:
            return base_new(cls)
        return base_new(cls, *args)  # an exception record: its args, as BaseException keeps


def _refuse_unsupported(cls: type) -> None:
    for base in cls.__mro__[1:]:
        if base is not Record and issubclass(base, Record):
            raise TypeError(
                f"{cls.__qualname__}: a record ({base.__qualname__}) cannot be subclassed"
            )
    if cls.__bases__[0] is not Record:
        raise TypeError(f"{cls.__qualname__}: Record must be the first base class")
    for name in ("__init__", "__new__"):
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record cannot define {name}")
