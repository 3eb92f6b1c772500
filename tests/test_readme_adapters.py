"""The README's "Bring your own model" blocks, run as written (they need the optional extras, so they are not
doctests): each block runs in one namespace, in order, in a temporary folder."""

import contextlib
import io
import os
import pathlib
import re

from _support import require_extra

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _blocks():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Bring your own model", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_bring_your_own_model_blocks_run(tmp_path):
    for module in ("sklearn", "torch", "onnx", "onnxruntime"):
        require_extra(module)
    blocks = _blocks()
    assert len(blocks) == 4 and all(len(b.strip().splitlines()) <= 5 for b in blocks[1:])  # "five lines or fewer"
    namespace, out = {}, io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            for block in blocks:
                exec(compile(block, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("defeated judged loss") or lines[0].startswith("defeated"), lines
    assert lines[1] == "defeated"
    assert lines[2] == "(2, 4)"
    assert float(eval(lines[3], {"Fraction": __import__("fractions").Fraction})) > 0
