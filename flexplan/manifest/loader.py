"""Load a manifest directory: files, includes, environments, variables, entries.

Every problem is collected (never raised one at a time) as a ``Diagnostic``
with the file, line and column the user wrote, so ``flexplan validate`` can
report them all at once. Nothing here touches the network.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from flexplan.errors import Diagnostic, Location
from flexplan.manifest import limits
from flexplan.manifest.document import SETTINGS_KEYS, Settings
from flexplan.manifest.files import AccessError, FileAccess, expand_include
from flexplan.manifest.model import Entry, Manifest, Preamble
from flexplan.manifest.rules import cross_check
from flexplan.manifest.source import Budget, SourceMap, json_source_map, parse_json, parse_yaml
from flexplan.manifest.variables import Substituter, Variables
from flexplan.plantypes import FieldPath, map_strings
from flexplan.resources import BY_SECTION, SECTIONS
from flexplan.resources.base import AnyKind
from flexplan.resources.fields import LOCAL_NAME
from flexplan.suggest import close_matches

MANIFEST_FILE = "flexplan.yaml"
REPORTED_PER_ENTRY = 100  # problems shown for one resource; the rest are counted


class _File(NamedTuple):
    path: Path
    display: str
    data: dict[str, Any]
    smap: SourceMap


class _Raw(NamedTuple):
    kind: AnyKind
    name: str
    file: _File


class Loader:
    """One load of one manifest for one environment."""

    def __init__(
        self,
        directory: Path,
        *,
        env: str | None,
        variables: Mapping[str, str] | None,
        environ: Mapping[str, str] | None = None,
        file_root: Path | None = None,
        on_preamble: Callable[[Preamble], None] | None = None,
    ) -> None:
        self.directory = directory
        self.on_preamble = on_preamble  # told the account before the entries are loaded
        self.file_root = file_root
        self.access = FileAccess.at(directory if directory.is_dir() else directory.parent)
        self.budget = Budget()
        self.env = env
        self.cli_vars = dict(variables or {})
        self.environ = os.environ if environ is None else environ
        self.diagnostics: list[Diagnostic] = []
        self.vars = Variables({}, self.environ)
        self.files: list[_File] = []
        self._sensitive_settings: set[FieldPath] = set()
        self._loaded: set[str] = set()

    def report(
        self,
        message: str,
        location: Location | None,
        hint: str | None = None,
        severity: str = "error",
    ) -> None:
        self.diagnostics.append(Diagnostic(message, location, hint, severity))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity != "error"]

    # -- the whole load ---------------------------------------------------------------
    def load(self) -> Manifest | None:
        root = self._root()
        if root is None:
            return None
        settings = self._settings(root)
        if settings is None:
            return None
        count = len(self.diagnostics)
        account_sid = self._environment(settings, root)
        if len(self.diagnostics) > count:
            return None  # without the right variables every use of one would be reported
        if self.on_preamble is not None and not self.errors:  # else the load fails anyway
            self.on_preamble(Preamble(account_sid, self.env, tuple(settings.prune or ())))
        self._includes(settings, root)
        raws = self._collect()
        entries = [e for e in (self._entry(raw) for raw in raws) if e is not None]
        valid = {(e.section, e.name) for e in entries}
        broken = frozenset((r.kind.section, r.name) for r in raws) - valid
        self.diagnostics.extend(cross_check(entries, broken))
        if self.errors:
            return None
        return Manifest(
            root=self.directory if self.directory.is_dir() else self.directory.parent,
            environment=self.env,
            account_sid=account_sid,
            prune=tuple(settings.prune or ()),
            entries=entries,
            files=[f.path for f in self.files],
            warnings=self.warnings,
        )

    # -- files --------------------------------------------------------------------------
    def _root(self) -> _File | None:
        path = self.directory
        if not path.exists():
            self.report("no such directory", Location(str(path)), "give the manifest directory")
            return None
        if path.is_dir():
            path = path / MANIFEST_FILE
            if path.is_dir():
                self.report(
                    f"{MANIFEST_FILE} is a directory, not a file", Location(str(path)),
                    f"{MANIFEST_FILE} must be the manifest file itself",
                )  # fmt: skip
                return None
            if not path.exists() and not path.is_symlink():
                self._no_manifest()
                return None
        if not self._widen_root():
            return None
        return self._parse(path, str(path), "manifest file", Location(str(path)), top=True)

    def _no_manifest(self) -> None:
        if self.directory.name == MANIFEST_FILE:
            message = f"{self.directory} is a directory, not the manifest file"
            hint = f"give the directory that holds {MANIFEST_FILE}"
        else:
            message = f"no {MANIFEST_FILE} here"
            hint = f"create {MANIFEST_FILE}, or give the directory that has it"
        self.report(message, Location(str(self.directory)), hint)

    def _widen_root(self) -> bool:
        """Apply ``--file-root``: it must hold the configuration directory."""
        if self.file_root is None:
            return True
        wider = FileAccess.at(self.file_root)
        if not self.file_root.is_dir() or not wider.inside(self.access.root):
            self.report(
                f"--file-root {self.file_root} is not a directory that holds the configuration",
                Location(str(self.directory)),
                "give a directory above the one with flexplan.yaml (e.g. the repository root)",
            )
            return False
        self.access = wider
        return True

    def _parse(
        self, path: Path, display: str, what: str, named_at: Location, *, top: bool
    ) -> _File | None:
        try:
            text = self.access.read(path, what)
        except AccessError as exc:
            line = Location(display, exc.line) if exc.line else named_at
            self.report(exc.message, line, exc.hint)
            return None
        data, smap, problems = parse_yaml(text, display, self.budget)
        self.diagnostics.extend(problems)
        if data is None and not problems:
            data = {}
        if not isinstance(data, dict):
            if data is not None:
                self.report(
                    "the top level of a manifest file must be a mapping of sections",
                    Location(display, 1, 1),
                    f"start with a key such as {SECTIONS[0]}:",
                )
            return None
        file = _File(path, display, data, smap)
        self.files.append(file)
        self._check_top_keys(file, top=top)
        return file

    def _check_top_keys(self, file: _File, *, top: bool) -> None:
        allowed = (*SETTINGS_KEYS, *SECTIONS) if top else SECTIONS
        for key in file.data:
            if key in allowed:
                continue
            loc = file.smap.key((key,))
            if key in SETTINGS_KEYS:
                self.report(f"'{key}' belongs in {MANIFEST_FILE}", loc, "move it there")
                continue
            close = close_matches(key, allowed)
            hint = f"did you mean '{close[0]}'?" if close else f"sections: {', '.join(SECTIONS)}"
            self.report(f"unknown top-level key '{key}'", loc, hint)

    def _includes(self, settings: Settings, root: _File) -> None:
        seen = {root.path.resolve()}
        base = root.path.parent
        matched = 0
        for i, pattern in enumerate(settings.include or ()):
            loc = root.smap.locate(("include", i))
            try:
                files = expand_include(self.access, base, pattern)
            except AccessError as exc:
                self.report(exc.message, loc, exc.hint)
                continue
            if not files:
                what = "matches no file" if glob.has_magic(pattern) else "does not exist"
                self.report(
                    f"include '{pattern}' {what}", loc, "paths are relative to flexplan.yaml"
                )
            matched += len(files)
            if matched > limits.INCLUDE_FILES:
                self.report(
                    f"the include: globs match more than {limits.INCLUDE_FILES:,} files", loc,
                    "narrow the patterns; each file may hold many resources",
                )  # fmt: skip
                return
            for path in files:
                if path.resolve() not in seen:
                    seen.add(path.resolve())
                    shown = os.path.normpath(path)
                    what = f"included file '{os.path.relpath(path, base)}'"
                    self._parse(path, shown, what, loc, top=False)

    # -- settings, environments, variables --------------------------------------------------
    def _settings(self, root: _File) -> Settings | None:
        raw = {k: v for k, v in root.data.items() if k in SETTINGS_KEYS}
        self._odd_numbers(root.smap, ())
        sub = Substituter(self.vars, root.smap.locate, allow_vars=False)
        raw = sub.apply(raw)
        self.diagnostics.extend(sub.result.diagnostics)
        self._sensitive_settings = sub.result.sensitive
        try:
            return Settings.model_validate(raw)
        except ValidationError as exc:
            self._report_validation(exc, Settings, root.smap, (), sub.result.sensitive, raw)
            return None

    def _environment(self, settings: Settings, root: _File) -> str | None:
        envs = settings.environments or {}
        values, sensitive = self._vars_of(settings.vars, ("vars",), root)
        account_sid = settings.account_sid
        if self.env is None and envs:
            self.report(
                "this manifest has environments: choose one with --env",
                root.smap.key(("environments",)),
                f"defined environments: {', '.join(envs)}",
            )
        if self.env is not None:
            chosen = envs.get(self.env)
            if chosen is None:
                self._unknown_environment(envs, root)
            else:
                path = ("environments", self.env, "vars")
                more, more_sensitive = self._vars_of(chosen.vars, path, root)
                values.update(more)
                sensitive |= more_sensitive
                account_sid = chosen.account_sid or account_sid
        values.update(self.cli_vars)
        sensitive -= set(self.cli_vars)
        self.vars = Variables(values, self.environ, frozenset(sensitive))
        return account_sid

    def _vars_of(
        self, table: Mapping[str, Any] | None, path: FieldPath, root: _File
    ) -> tuple[dict[str, str], set[str]]:
        values: dict[str, str] = {}
        sensitive: set[str] = set()
        for name, value in (table or {}).items():
            text = value if isinstance(value, str) else root.smap.text((*path, name))
            values[name] = text if text is not None else str(value)
            if (*path, name) in self._sensitive_settings:
                sensitive.add(name)
        return values, sensitive

    def _unknown_environment(self, envs: Mapping[str, Any], root: _File) -> None:
        loc = root.smap.key(("environments",)) if envs else Location(root.display, 1, 1)
        close = close_matches(self.env or "", envs, cutoff=0.5)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif envs:
            hint = f"defined environments: {', '.join(envs)}"
        else:
            hint = "add it under environments:"
        self.report(f"environment '{self.env}' is not defined", loc, hint)

    # -- entries ------------------------------------------------------------------------------
    def _collect(self) -> list[_Raw]:
        raws: list[_Raw] = []
        first: dict[tuple[str, str], Location] = {}
        for file in self.files:
            for section in [key for key in file.data if key in SECTIONS]:
                table = file.data[section]
                if table is None:
                    continue
                if not isinstance(table, dict):
                    self.report(
                        f"'{section}' must be a mapping of local name to resource",
                        file.smap.locate((section,)),
                    )
                    continue
                for name in table:
                    raw = self._raw(file, section, name, first)
                    if raw is not None:
                        raws.append(raw)
        return raws

    def _raw(
        self, file: _File, section: str, name: str, first: dict[tuple[str, str], Location]
    ) -> _Raw | None:
        loc = file.smap.key((section, name))
        if not LOCAL_NAME.match(name):
            self.report(
                f"'{name}' is not a valid local name", loc,
                "use letters, digits, '-', '_' and '.', starting with a letter or digit",
            )  # fmt: skip
            return None
        earlier = first.setdefault((section, name), loc)
        if earlier is not loc:
            self.report(
                f"{section} '{name}' is defined twice (first at {earlier})",
                loc,
                "local names must be unique within a section: rename one",
            )
            return None
        return _Raw(BY_SECTION[section], name, file)

    def _entry(self, raw: _Raw) -> Entry | None:
        kind, file = raw.kind, raw.file
        base: FieldPath = (kind.section, raw.name)
        value = file.data[kind.section][raw.name]
        value = {} if value is None else value
        if not isinstance(value, dict):
            self.report(
                f"{kind.title} '{raw.name}' must be a mapping of fields", file.smap.locate(base)
            )
            return None
        self._odd_numbers(file.smap, base)
        sub = Substituter(self.vars, lambda p: file.smap.locate((*base, *p)))
        templated = kind.template_fields
        paths = [p for p in file.smap.dollars_under(base) if p[:1] not in [(t,) for t in templated]]
        sub.apply_at(value, paths)
        if sub.result.diagnostics:
            self.diagnostics.extend(sub.result.diagnostics)
            return None
        try:
            spec = kind.spec_model.model_validate(value)
        except ValidationError as exc:
            hidden = sub.result.sensitive
            self._report_validation(exc, kind.spec_model, file.smap, base, hidden, value)
            return None
        entry = Entry(kind, raw.name, spec, file.smap.key(base))
        entry.sensitive_paths = frozenset(sub.result.sensitive)
        entry.locators.append(((), lambda p: file.smap.locate((*base, *p))))
        if not self._fill_templates(entry, file, templated):
            return None
        problems = list(kind.check(raw.name, entry.spec))
        for problem in problems[:REPORTED_PER_ENTRY]:
            self.report(
                problem.message, entry.location_of(problem.path), problem.hint, problem.severity
            )
        if len(problems) > REPORTED_PER_ENTRY:
            more = len(problems) - REPORTED_PER_ENTRY
            self.report(
                f"{kind.title} '{raw.name}' has {more:,} more problems", entry.location,
                "fix the ones above first",
            )  # fmt: skip
        return entry

    def _fill_templates(self, entry: Entry, file: _File, templated: tuple[str, ...]) -> bool:
        """Load ``file_fields`` and fill the placeholders of ``template_fields``."""
        values, keep = entry.kind.template_values(entry.spec, self.vars.values)
        if not self._load_files(entry, file, values, keep):
            return False
        updates: dict[str, Any] = {}
        for name in templated:
            current = getattr(entry.spec, name)
            if current is None or name in self._loaded:
                continue
            sub = Substituter(self.vars, entry.location_of, templates=values, keep=keep)
            updates[name] = sub.apply(current, (name,))
            self.diagnostics.extend(sub.result.diagnostics)
            entry.sensitive_paths |= sub.result.sensitive
        if updates:
            entry.spec = entry.spec.model_copy(update=updates)
        return True

    def _load_files(
        self, entry: Entry, file: _File, values: dict[str, str], keep: frozenset[str]
    ) -> bool:
        """Read JSON files a kind's ``file_fields`` name into their target fields."""
        self._loaded = set()
        spec = entry.spec
        for source, target in entry.kind.file_fields.items():
            rel = getattr(spec, source)
            if rel is None or getattr(spec, target) is not None or spec.state == "absent":
                continue
            sub = Substituter(self.vars, entry.location_of, templates=values, keep=keep)
            loaded = self._load_json(entry, file, (source,), (target,), rel, sub)
            if loaded is None:
                return False
            spec = spec.model_copy(update={target: loaded})
            self._loaded.add(target)
        entry.spec = spec
        return True

    def _load_json(
        self,
        entry: Entry,
        file: _File,
        source: FieldPath,
        target: FieldPath,
        rel: str,
        sub: Substituter,
    ) -> Any:
        path = file.path.parent / rel
        display = os.path.normpath(os.path.join(os.path.dirname(file.display), rel))
        try:
            text = self.access.read(path, f"{source[-1]} '{rel}'", rel)
        except AccessError as exc:
            where = Location(display, exc.line) if exc.line else entry.location_of(source)
            hint = exc.hint or f"the path is relative to {file.display}"
            self.report(exc.message, where, hint)
            return None
        filled = sub.apply_text(text, display)
        self.diagnostics.extend(sub.result.diagnostics)
        value, problem = parse_json(filled, display)
        if problem is not None and filled is not text:
            problem = parse_json(text, display)[1] or problem  # report the place as written
        if problem is not None or not isinstance(value, dict):
            self.diagnostics.append(
                problem or Diagnostic("the file must hold a JSON object", Location(display, 1, 1))
            )
            return None
        entry.locators.insert(0, (target, _lazy_json_locator(text, display)))
        if sub.env_values:
            entry.sensitive_paths |= _paths_holding(value, sub.env_values, target)
        return value

    def _odd_numbers(self, smap: SourceMap, base: FieldPath) -> None:
        """``0x10`` or ``010`` read as 16 or 8: say what YAML did (variables keep their text)."""
        n = len(base)
        for path, text, value in smap.odd_numbers:
            in_entry = not base and bool(path) and path[0] in SECTIONS
            if path[:n] != base or in_entry or _is_variable(path):
                continue
            self.report(
                f"YAML reads {text} as the number {value}",
                smap.locate(path),
                f'write {value} if you mean that number, or "{text}" in quotes for text',
            )

    def _report_validation(
        self,
        exc: ValidationError,
        model: Any,
        smap: SourceMap,
        base: FieldPath,
        hidden: Collection[FieldPath],
        given: Any,
    ) -> None:
        from flexplan.manifest.translate import translate  # only a broken manifest needs it

        text_of: Callable[[FieldPath], str | None] = lambda p: smap.text((*base, *p))  # noqa: E731
        for issue in translate(exc, model, text_of, hidden, given):
            full = (*base, *issue.path)
            loc = smap.key(full) if issue.at_key else smap.locate(full)
            self.report(issue.message, loc, issue.hint)


def _is_variable(path: FieldPath) -> bool:
    return path[:1] == ("vars",) or (path[:1] == ("environments",) and path[2:3] == ("vars",))


def _paths_holding(value: Any, secrets: set[str], prefix: FieldPath) -> set[FieldPath]:
    found: set[FieldPath] = set()

    def visit(text: str, path: FieldPath) -> str:
        if any(secret in text for secret in secrets):
            found.add((*prefix, *path))
        return text

    map_strings(value, visit)
    return found


def _lazy_json_locator(text: str, display: str) -> Callable[[FieldPath], Location]:
    cache: list[SourceMap] = []

    def locate(path: FieldPath) -> Location:
        if not cache:
            cache.append(json_source_map(text, display))
        return cache[0].locate(path)

    return locate
