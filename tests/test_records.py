"""Records (flexplan.records): dataclasses made on first use behave as the dataclass would.

Each test defines its own record classes, so each starts unmade.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flexplan.records import Record, _pending

ROOT = Path(__file__).resolve().parents[1]


def _point() -> type:
    class Point(Record, frozen=True):
        """A point."""

        x: int
        y: int = 0
        tags: tuple[str, ...] = ()

    return Point


def test_a_record_is_not_made_until_it_is_used() -> None:
    point = _point()
    assert point in _pending
    assert "__init__" not in point.__dict__
    point(1)
    assert point not in _pending
    assert "__init__" in point.__dict__


@pytest.mark.parametrize(
    "ask",
    [dataclasses.fields, dataclasses.is_dataclass, lambda cls: cls.__match_args__],
    ids=["fields", "is_dataclass", "match_args"],
)
def test_asking_whether_it_is_a_dataclass_makes_it(ask: object) -> None:
    point = _point()
    assert callable(ask)
    ask(point)
    assert point not in _pending
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "tags"]
    assert dataclasses.is_dataclass(point)
    assert point.__dict__["__match_args__"] == ("x", "y", "tags")


def test_a_frozen_record_behaves_as_its_frozen_dataclass() -> None:
    point = _point()
    p = point(1, y=2)
    assert p == point(1, 2) and p != point(2, 2)
    assert hash(p) == hash(point(1, 2))
    assert repr(p).endswith(".Point(x=1, y=2, tags=())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5
    assert dataclasses.replace(p, y=7) == point(1, 7)
    assert dataclasses.asdict(p) == {"x": 1, "y": 2, "tags": ()}
    match p:
        case point(x, y):  # type: ignore[misc]
            assert (x, y) == (1, 2)
        case _:
            pytest.fail("positional match failed")
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        point()


def test_options_are_passed_to_dataclass() -> None:
    class Version(Record, order=True):
        major: int
        minor: int = 0

    v = Version(1)
    v.minor = 3  # not frozen: mutable
    assert Version(1, 2) < v < Version(2)

    class Options(Record, kw_only=True, match_args=False):
        name: str

    assert Options(name="a").name == "a"
    assert not hasattr(Options, "__match_args__")
    with pytest.raises(TypeError):
        Options("a")  # type: ignore[call-arg]


def test_post_init_and_default_factories_work() -> None:
    class Bag(Record):
        items: list[int] = dataclasses.field(default_factory=list)
        size: int = 0

        def __post_init__(self) -> None:
            self.size = len(self.items)

    a, b = Bag(), Bag([1, 2])
    a.items.append(1)
    assert Bag().items == [] and b.size == 2


def test_an_exception_record_keeps_its_args_and_raises() -> None:
    class Failure(Record, Exception):
        problems: list[str] = dataclasses.field(default_factory=list)

        def __str__(self) -> str:
            return "; ".join(self.problems)

    with pytest.raises(Failure, match="a; b") as caught:
        raise Failure(["a", "b"])
    assert caught.value.args == (["a", "b"],)
    assert caught.value == Failure(["a", "b"])


PICKLED_IN_A_FRESH_PROCESS = """
import pickle, sys
import flexplan.records
from flexplan.errors import Diagnostic, DiagnosticsError, Location
assert Diagnostic in flexplan.records._pending and DiagnosticsError in flexplan.records._pending
error = pickle.loads(sys.stdin.buffer.read())
assert error.diagnostics == [Diagnostic("bad", Location("a.yaml", 3), hint="fix it")], error
print(str(error))
"""


def test_a_pickled_record_loads_where_its_class_is_not_made_yet() -> None:
    from flexplan.errors import Diagnostic, DiagnosticsError, Location

    error = DiagnosticsError([Diagnostic("bad", Location("a.yaml", 3), hint="fix it")])
    done = subprocess.run(
        [sys.executable, "-c", PICKLED_IN_A_FRESH_PROCESS], input=pickle.dumps(error),
        capture_output=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines() == ["a.yaml:3: error: bad", "  hint: fix it"]


def _construct_together(cls: type, threads: int) -> list[object]:
    start = threading.Barrier(threads)
    made: list[object] = []
    errors: list[BaseException] = []

    def construct() -> None:
        start.wait()
        try:
            made.append(cls(1, 2))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=construct) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    return made


def test_threads_making_first_instances_together_all_get_the_finished_class() -> None:
    for _ in range(20):
        point = _point()
        made = _construct_together(point, threads=8)
        assert len(made) == 8
        assert len({hash(p) for p in made}) == 1 and all(p == point(1, 2) for p in made)
        with pytest.raises(dataclasses.FrozenInstanceError):
            made[0].x = 3  # type: ignore[attr-defined]


def test_what_a_record_cannot_be_is_refused_at_definition() -> None:
    point = _point()
    with pytest.raises(TypeError, match="cannot be subclassed"):

        class Point3(point):  # type: ignore[misc, valid-type]
            z: int = 0

    with pytest.raises(TypeError, match="first base"):

        class Late(Exception, Record):
            x: int

    with pytest.raises(TypeError, match="cannot define __init__"):

        class Own(Record):
            def __init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="not slots"):

        class Slotted(Record, slots=True):
            x: int
