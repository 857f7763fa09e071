"""What test modules share: plain functions, classes and constants, by topic.

Fixtures stay in the conftest.py files, which pytest loads and no test module
imports (tests/test_layers.py checks both rules).
"""
