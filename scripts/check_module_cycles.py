#!/usr/bin/env python3
"""Fails when the modules of crates/service/src depend on each other in a cycle.

A module is a top-level file (`audit.rs`) or folder (`monthly/`) of
crates/service/src; the crate root (lib.rs) is left out, since it declares
every module and re-exports their public items. An edge A -> B is any
`crate::B` path written in A's files, including inside a braced
`use crate::{B::..., ...}` list. Comments are ignored.

Usage: scripts/check_module_cycles.py [SRC_DIR]   (default crates/service/src)
"""

import re
import sys
from pathlib import Path

ROOTS = {"lib.rs", "main.rs"}


def modules(src: Path) -> dict[str, list[Path]]:
    mods: dict[str, list[Path]] = {}
    for p in sorted(src.iterdir()):
        if p.is_file() and p.suffix == ".rs" and p.name not in ROOTS:
            mods.setdefault(p.stem, []).append(p)
        elif p.is_dir():
            mods.setdefault(p.name, []).extend(sorted(p.rglob("*.rs")))
    return mods


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def references(text: str, names: set[str]) -> set[str]:
    text = strip_comments(text)
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
    # `use crate::{a::X, b, c::{..}}`: the first segment of each item.
    for group in re.finditer(r"\bcrate::\{", text):
        depth, i, start = 1, group.end(), group.end()
        items, item_start = [], start
        while i < len(text) and depth:
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    items.append(text[item_start:i])
            elif ch == "," and depth == 1:
                items.append(text[item_start:i])
                item_start = i + 1
            i += 1
        for item in items:
            m = re.match(r"\s*([a-z_][a-z0-9_]*)", item)
            if m:
                found.add(m.group(1))
    return found & names


def graph(src: Path) -> dict[str, set[str]]:
    mods = modules(src)
    names = set(mods)
    g = {}
    for name, files in mods.items():
        refs: set[str] = set()
        for f in files:
            refs |= references(f.read_text(encoding="utf-8"), names)
        refs.discard(name)
        g[name] = refs
    return g


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def path_within(g: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, for the message."""
    members, start = set(comp), comp[0]
    prev: dict[str, str] = {}
    seen, queue = {start}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(g[v] & members):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in seen:
                seen.add(w)
                prev[w] = v
                queue.append(w)
    return comp + [start]


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/service/src")
    if not src.is_dir():
        print(f"check_module_cycles: no such directory {src}", file=sys.stderr)
        return 2
    g = graph(src)
    found = cycles(g)
    if found:
        for comp in found:
            print("module cycle in {}: {}".format(src, " -> ".join(path_within(g, comp))))
        return 1
    edges = sum(len(v) for v in g.values())
    print(f"check_module_cycles: {len(g)} modules, {edges} edges, no cycle ({src})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
