"""The README's sample `twin run` output, kept equal to what `twin run` prints.

    python docs/readme_sample.py          # run the demo drill and write its output into README.md
    python docs/readme_sample.py --check  # exit 1, showing the difference, when README.md is stale

The block sits between the markers ``<!-- twin run: begin -->`` and ``<!-- twin run: end -->``. The
drill runs as a new user runs it — ``twin run`` with no arguments, in an empty folder — so the
run folder line reads ``runs/night_riser_burst-seed7``. Only the wall-clock time at the end of
that line differs from run to run; :func:`same_but_time` ignores it. ``tests/cli/test_readme_sample.py``
fails when the README no longer matches.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- twin run: begin -->"
END = "<!-- twin run: end -->"
#: The only figure of `twin run`'s output that changes between runs: its wall-clock time.
WALL_TIME = re.compile(r"\d+\.\d+ s\)$", re.MULTILINE)


def twin_run_output() -> str:
    """What `twin run` prints (stdout) when run with no arguments in an empty folder."""
    from twin.cli import main

    here = Path.cwd()
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="twin-readme-") as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(out):
                status = main(["run"])
        finally:
            os.chdir(here)
    if status != 0:
        raise SystemExit(f"twin run failed with status {status}")
    return out.getvalue()


def readme_sample(text: str) -> str:
    """The sample output in the README's text (between the markers, inside its code fence)."""
    try:
        block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    except IndexError:
        raise SystemExit(f"{README}: the markers {BEGIN} … {END} are missing") from None
    return block.strip("\n").removeprefix("```").removesuffix("```").strip("\n") + "\n"


def with_sample(text: str, output: str) -> str:
    """The README's text with ``output`` as its sample."""
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{BEGIN}\n```\n{output.rstrip()}\n```\n{END}{tail}"


def same_but_time(a: str, b: str) -> bool:
    return WALL_TIME.sub("…", a) == WALL_TIME.sub("…", b)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    output = twin_run_output()
    if "--check" in argv:
        if same_but_time(readme_sample(text), output):
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                readme_sample(text).splitlines(keepends=True),
                output.splitlines(keepends=True),
                "README.md",
                "twin run",
            )
        )
        print("\nREADME.md's sample is stale: run `python docs/readme_sample.py` to update it.")
        return 1
    README.write_text(with_sample(text, output), encoding="utf-8")
    print(f"{README}: sample output updated")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(README.parent))
    sys.exit(main(sys.argv[1:]))
