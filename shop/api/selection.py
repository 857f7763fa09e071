"""Which fields a query selects below the current one, fragments included.

Resolvers use it to fetch in bulk only what the client asked for.
"""

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode


def _children(selection_set, fragments):
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _children(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _children(fragment.selection_set, fragments)


def selected_paths(info, prefix=()):
    """Every dotted path selected below the current field, e.g. {'edges.node.name'}."""
    paths = set()

    def walk(selection_set, trail):
        for field in _children(selection_set, info.fragments):
            path = (*trail, field.name.value)
            paths.add(".".join(path))
            walk(field.selection_set, path)

    for node in info.field_nodes:
        walk(node.selection_set, ())
    if prefix:
        head = ".".join(prefix) + "."
        return {p[len(head) :] for p in paths if p.startswith(head)}
    return paths
