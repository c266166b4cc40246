"""Read an uploaded YAML mapping without letting it take the machine: a size cap, plain data only
(``safe_load``'s constructors), and a cap on the document's size once aliases are expanded.

YAML aliases share one object, so a "billion laughs" document (``b: [*a, *a, …]`` nine levels deep)
loads small, then explodes when anything walks or prints it (a ``map`` value that is such a list
would be turned into text for every row).  The composed node graph is counted with aliases expanded
(each node's size computed once) and refused past MAX_NODES; recursive aliases are refused too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from loaders.limits import env_name, limit

MAX_NODES = 100_000     # scalars, lists and mappings after alias expansion: mappings are hand-written


class UnsafeYaml(ValueError):
    pass


def read_yaml(path: Path) -> Any:
    """The document, or UnsafeYaml / OSError / UnicodeDecodeError / yaml.YAMLError."""
    cap = limit("mapping_kb") * 1024
    with path.open("rb") as fh:
        raw = fh.read(cap + 1)
    if len(raw) > cap:
        raise UnsafeYaml(f"the mapping is larger than {cap // 1024} KB ({env_name('mapping_kb')}) / 映射文件过大")
    loader = yaml.SafeLoader(raw.decode("utf-8"))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    except RecursionError:
        raise UnsafeYaml("the mapping is nested too deeply / 映射嵌套过深") from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    # Depth-first without recursion; a node met again while still open is a recursive alias.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_NODES:
                raise UnsafeYaml(f"the mapping expands to more than {MAX_NODES} values (aliases repeated "
                                 f"over and over?) / 映射展开后过大（别名被反复引用）")
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise UnsafeYaml("the mapping refers to itself (a recursive alias) / 映射中存在递归别名")
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise UnsafeYaml("the mapping refers to itself (a recursive alias) / 映射中存在递归别名")
            stack.append((child, False))


def _children(node: yaml.Node):
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
