"""The ES-module bundler: the real front end joins into one module; what it cannot join is refused by name; and a
bundle runs in a real browser exactly as the separate modules would (aliases, re-exports, shared dependencies)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from aevae.explorer.web import JS_ROOT
from aevae.explorer.web.modules import ESMError, join_modules

WIDGET_ROOT = JS_ROOT.parents[2]  # aevae/explorer: widget.js sits beside widget.py and imports from web/static/js


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_front_end_joins_into_one_module_with_every_import_resolved() -> None:
    for entry, root in (("widget.js", WIDGET_ROOT), ("embedded.js", JS_ROOT), ("explorer.js", JS_ROOT)):
        code = join_modules(entry, root)
        assert not re.search(r"^import\b", code, re.M), entry  # no import statement survives
        modules = re.findall(r"^// ---- (.+) ----$", code, re.M)
        assert modules[-1] == entry and len(modules) == len(set(modules))
    widget = join_modules("widget.js", WIDGET_ROOT)
    assert re.search(r"^export default \{ render \};$", widget, re.M)
    imported = set(re.findall(r'from "\./([\w.]+)"', "".join(p.read_text() for p in JS_ROOT.glob("*.js"))))
    joined = {name.rsplit("/", 1)[-1] for name in re.findall(r"^// ---- (.+) ----$",
                                                              widget + join_modules("embedded.js"), re.M)}
    assert imported <= joined


SOURCES = {
    "entry.js": 'import { double, ONE as one } from "./lib/math.js";\nimport {\n  count,\n  name,\n} from "./lib/'
                'count.js";\nexport { twice } from "./lib/twice.js";\nexport default { result: double(one), '
                'count, name };\n',
    "lib/math.js": 'import { bump } from "./count.js";\nbump();\nexport const ONE = 1;\nexport function double(x) '
                   '{ return helper(x) * 2; }\nfunction helper(x) { return x; }\n',
    "lib/count.js": "let n = 0;\nexport function bump() { n += 1; }\nexport function count() { return n; }\n"
                    'const name = "counter";\nexport { name };\n',
    "lib/twice.js": 'import { bump } from "./count.js";\nbump();\nexport { double as twice } from "./math.js";\n',
}


def test_dependencies_come_first_and_each_module_once(tmp_path: Path) -> None:
    code = join_modules("entry.js", write(tmp_path, SOURCES))
    order = re.findall(r"^// ---- (.+) ----$", code, re.M)
    assert order == ["lib/count.js", "lib/math.js", "lib/twice.js", "entry.js"]
    assert "return { ONE, double };" in code  # exports only: helper stays private to math.js
    assert "return { twice: __m1_math.double };" in code and "export const { twice } = __m2_twice;" in code


@pytest.mark.parametrize(("files", "words"), [
    ({"entry.js": 'import x from "./a.js";\n', "a.js": ""}, "unsupported module statement"),
    ({"entry.js": 'import * as a from "./a.js";\n', "a.js": ""}, "unsupported module statement"),
    ({"entry.js": 'import { a } from "lodash";\n'}, "only relative imports"),
    ({"entry.js": 'const a = await import("./a.js");\n', "a.js": ""}, "dynamic import"),
    ({"entry.js": "const here = import.meta.url;\n"}, "import.meta"),
    ({"entry.js": 'import { a } from "./a.js";\n', "a.js": "export default 1;\n"}, "only supported in the entry"),
    ({"entry.js": 'import { a } from "./a.js";\n', "a.js": "export const { a } = {};\n"}, "unsupported module"),
    ({"entry.js": 'import { a } from "./a.js";\n', "a.js": 'import { b } from "./entry.js";\nexport const a = 1;\n'},
     "import cycle: entry.js -> a.js -> entry.js"),
    ({"entry.js": 'import { a } from "../outside.js";\n', "../outside.js": "export const a = 1;\n"}, "outside"),
    ({"entry.js": 'import { a } from "./missing.js";\n'}, "does not exist"),
    ({"entry.js": 'import { a-b } from "./a.js";\n', "a.js": ""}, "cannot read"),
])
def test_unsupported_syntax_is_refused_with_the_file_named(tmp_path: Path, files: dict[str, str], words: str) -> None:
    root = tmp_path / "js"
    root.mkdir()
    write(root, files)
    with pytest.raises(ESMError, match=re.escape(words)):
        join_modules("entry.js", root)


def test_a_jsdoc_type_import_in_a_comment_is_not_code(tmp_path: Path) -> None:
    root = write(tmp_path, {"entry.js": '/** @param {import("./a.js").T} t */\nexport function f(t) {}\n'})
    assert "export function f(t) {}" in join_modules("entry.js", root)


@pytest.mark.browser
def test_the_bundle_runs_in_a_browser_as_the_modules_would(tmp_path: Path, browser: Any) -> None:
    code = join_modules("entry.js", write(tmp_path, SOURCES))
    page = browser.new_page()
    result = page.evaluate("""async (code) => {
        const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
        const mod = await import(url);  // as anywidget loads a widget's _esm
        return { result: mod.default.result, count: mod.default.count(), name: mod.default.name,
                 twice: mod.twice(5) };
    }""", code)
    page.close()
    # count.js ran once although two modules import it; each of them bumped its one counter
    assert result == {"result": 2, "count": 2, "name": "counter", "twice": 10}
