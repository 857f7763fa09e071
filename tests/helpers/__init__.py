"""What the suite shares: plain functions, classes and constants, by topic, for
test modules (and the cache backend of tests/settings.py).

Fixtures stay in the conftest.py files, which pytest loads and no module of the
suite imports (tests/test_layers.py checks both rules).
"""
