"""Fixtures of the accounts and plumbing tests."""

import time

import django_ratelimit.core
import pytest


class Clock:
    """django-ratelimit's clock, held still so that no counting window ends
    in the middle of a test (windows are fixed and each subject's starts at a
    different second); `advance` moves it on."""

    def __init__(self):
        self.now = float(int(time.time()))

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def ratelimit_clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(django_ratelimit.core, "time", clock)
    return clock
