"""IDs as the API shows them."""

from graphql_relay import to_global_id


def gid(obj):
    """The Relay global ID of a model instance, typed by its model's name."""
    return to_global_id(type(obj).__name__, obj.pk)
