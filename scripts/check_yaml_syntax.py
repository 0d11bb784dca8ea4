"""Check that YAML files parse (syntax only: tags such as MkDocs' !!python/name are allowed).

Used by the pre-commit hook for YAML files outside kb/ (records have `ssl-kb check`, which is
stricter). Prints ``path:line:col: message`` for each broken file and exits 1 if there is one.
Usage: python scripts/check_yaml_syntax.py FILE...
"""

from __future__ import annotations

import sys

import yaml


def check(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for _ in yaml.parse(handle, Loader=yaml.SafeLoader):
                pass
    except OSError as exc:
        return f"{path}:1:1: cannot read: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return f"{path}:1:1: not UTF-8 ({exc.reason} at byte {exc.start})"
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        return f"{path}:{where}: {exc.problem or exc.context}"
    except yaml.YAMLError as exc:
        return f"{path}:1:1: {str(exc).splitlines()[0]}"
    return None


def main(paths: list[str]) -> int:
    problems = [p for p in map(check, paths) if p]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
