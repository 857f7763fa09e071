"""A tlog witness (c2sp.org/tlog-witness): cosigns a log's checkpoint only if it extends
the last one it cosigned. Free of the project: the standard library, `cryptography`
and `tlog`."""
