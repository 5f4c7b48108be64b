"""Join the explorer's ES modules into one: the notebook widget's ``_esm`` and the static export's inline script.

(The "bundle" elsewhere in aevae is the data bundle, ``aevae.explorer.bundle``; this module joins code.)

A notebook widget's front end arrives as one module string (anywidget imports it from a blob: URL, where the
relative imports of ``static/js`` cannot resolve), and a page opened from ``file://`` may not import module files
at all (browsers refuse module scripts from file URLs). So ``join_modules`` walks the imports from an entry
module and writes one module: each dependency, in dependency order, becomes an arrow-function scope that returns
its exports as an object; its imports become destructuring of the objects it depends on; the entry's code and
exports stay at the top level of the result. Nothing inside a module is renamed, so the output reads like the
sources and a module's private names cannot clash with another's.

Only the module syntax the front end uses is accepted, each statement at the start of a line: ``import { a, b as
c } from "./x.js"`` (over several lines too), ``export function|async function|class|const|let|var NAME``,
``export { a, b as c }``, ``export { a } from "./x.js"`` and, in the entry only, ``export default``. Anything else
(namespace or default imports, bare specifiers, dynamic ``import()``, ``import.meta``, import cycles, paths outside
the root) raises ESMError naming the file, so an unsupported change to the front end fails in the tests rather
than in a user's browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aevae.explorer.web import JS_ROOT


_FROM = r'\s*\{(?P<names>[^}]*)\}\s*from\s*"(?P<spec>[^"]+)"\s*;?[ \t]*$'
IMPORT = re.compile(r"^import" + _FROM, re.M)
REEXPORT = re.compile(r"^export" + _FROM, re.M)
EXPORT_LIST = re.compile(r"^export\s*\{(?P<names>[^}]*)\}\s*;?[ \t]*$", re.M)
EXPORT_DECL = re.compile(r"^export\s+(?=(?:async\s+)?function\*?\s*(?P<fn>[\w$]+)|class\s+(?P<cls>[\w$]+)"
                         r"|(?:const|let|var)\s+(?P<var>[\w$]+)\s*=)", re.M)
EXPORT_DEFAULT = re.compile(r"^export\s+default\b", re.M)
STATEMENT = re.compile(r"^(?:import|export)\b.*$", re.M)  # module syntax left over once the above are taken
DYNAMIC = re.compile(r"\bimport\s*\(|\bimport\.meta\b")
COMMENT = re.compile(r"^\s*(?://|/\*|\*)")  # a comment line, where JSDoc may write import("./x.js") as a type
NAME = re.compile(r"^[A-Za-z_$][\w$]*$")


class ESMError(ValueError):
    """The front-end modules use syntax this bundler does not handle, or their imports do not resolve."""


@dataclass
class _Module:
    """One source module, rewritten: its code without module syntax, and what it imports and exports."""

    body: str  # the source without import statements (and, unless it is the entry, without export keywords)
    imports: list[tuple[Path, list[tuple[str, str]]]]  # [(module, [(its exported name, local name)])]
    reexports: list[tuple[Path, list[tuple[str, str]]]]  # [(module, [(its exported name, name exported here)])]
    exports: list[tuple[str, str]]  # [(exported name, local name)]; empty for the entry, which keeps its own


def join_modules(entry: str, root: Path = JS_ROOT) -> str:
    """One ES module holding ``entry`` (a file relative to ``root``) and every module it imports, transitively."""
    root = root.resolve()
    entry_path = _resolve(root, root, f"./{entry}", "the entry")
    modules: dict[Path, _Module] = {}  # filled in dependency order: a module after everything it imports
    _collect(entry_path, root, entry_path, modules, [])
    var = {path: f"__m{i}_{re.sub(r'[^0-9A-Za-z]', '_', path.stem)}" for i, path in enumerate(modules)}
    parts = [f"// aevae's front end: {len(modules)} modules of {root.name}/ joined by aevae.explorer.web.modules, "
             f"entry {entry}"]
    for path, module in modules.items():
        lines = [f"const {{ {_pairs(pairs)} }} = {var[dep]};" for dep, pairs in module.imports]
        lines.append(module.body.strip("\n"))
        heading = f"// ---- {path.relative_to(root).as_posix()} ----"
        if path == entry_path:
            lines += [f"export const {{ {_pairs(pairs)} }} = {var[dep]};" for dep, pairs in module.reexports]
            parts.append("\n".join([heading, *lines]))
        else:
            values = module.exports + [(alias, f"{var[dep]}.{name}") for dep, pairs in module.reexports
                                       for name, alias in pairs]
            lines.append(f"return {{ {_pairs(values)} }};")
            parts.append("\n".join([heading, f"const {var[path]} = (() => {{", *lines, "})();"]))
    return "\n\n".join(parts) + "\n"


def _collect(path: Path, root: Path, entry: Path, modules: dict[Path, _Module], stack: list[Path]) -> None:
    """Parse ``path`` and, first, everything it imports, depth first; a module met again on the stack is a cycle."""
    if path in stack:
        cycle = " -> ".join(p.relative_to(root).as_posix() for p in [*stack[stack.index(path):], path])
        raise ESMError(f"import cycle: {cycle}")
    if path in modules:
        return
    module = _parse(path, root, is_entry=path == entry)
    for dep, _ in module.imports + module.reexports:
        _collect(dep, root, entry, modules, [*stack, path])
    modules[path] = module


def _parse(path: Path, root: Path, is_entry: bool) -> _Module:
    """Take a module's import and export statements out of its source."""
    rel = path.relative_to(root).as_posix()
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if DYNAMIC.search(line) and not COMMENT.match(line):
            raise ESMError(f"{rel}:{number}: dynamic import() and import.meta are not supported")
    imports: list[tuple[Path, list[tuple[str, str]]]] = []
    reexports: list[tuple[Path, list[tuple[str, str]]]] = []
    exports: list[tuple[str, str]] = []

    def take(found: list, match: re.Match[str]) -> str:
        found.append((_resolve(root, path.parent, match["spec"], rel), _names(match["names"], rel)))
        return ""

    body = IMPORT.sub(lambda m: take(imports, m), text)
    body = REEXPORT.sub(lambda m: take(reexports, m), body)
    if not is_entry:
        if EXPORT_DEFAULT.search(body):
            raise ESMError(f"{rel}: export default is only supported in the entry module")

        def take_list(match: re.Match[str]) -> str:
            exports.extend((alias, local) for local, alias in _names(match["names"], rel))
            return ""

        def take_decl(match: re.Match[str]) -> str:
            name = match["fn"] or match["cls"] or match["var"]
            exports.append((name, name))
            return ""

        body = EXPORT_DECL.sub(take_decl, EXPORT_LIST.sub(take_list, body))
    allowed = (EXPORT_DECL, EXPORT_LIST, EXPORT_DEFAULT) if is_entry else ()
    for match in STATEMENT.finditer(body):
        if not any(pattern.match(match[0]) for pattern in allowed):
            raise ESMError(f"{rel}: unsupported module statement: {match[0].strip()}")
    return _Module(body, imports, reexports, exports)


def _names(text: str, rel: str) -> list[tuple[str, str]]:
    """``a, b as c`` -> [(a, a), (b, c)]."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        words = item.split()
        if len(words) == 1:
            words = [words[0], "as", words[0]]
        if len(words) != 3 or words[1] != "as" or not (NAME.match(words[0]) and NAME.match(words[2])):
            raise ESMError(f"{rel}: cannot read the import/export name {item!r}")
        pairs.append((words[0], words[2]))
    return pairs


def _pairs(pairs: list[tuple[str, str]]) -> str:
    """``a, b: c`` from [(a, a), (b, c)]: the shorthand destructuring patterns and object literals share."""
    return ", ".join(a if a == b else f"{a}: {b}" for a, b in pairs)


def _resolve(root: Path, base: Path, spec: str, rel: str) -> Path:
    """The file a relative specifier names, which must lie inside ``root``."""
    if not spec.startswith(("./", "../")):
        raise ESMError(f"{rel}: only relative imports are bundled, not {spec!r}")
    path = (base / spec).resolve()
    if not path.is_relative_to(root):
        raise ESMError(f"{rel}: {spec!r} lies outside {root}")
    if not path.is_file():
        raise ESMError(f"{rel}: {spec!r} does not exist")
    return path
