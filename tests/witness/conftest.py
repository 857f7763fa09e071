import pytest

from tests.helpers.witness import MemoryLog, WitnessProcess


@pytest.fixture
def log():
    """The platform's log, with four trace events."""
    return MemoryLog().append(*(f"event {i}".encode() for i in range(4)))


@pytest.fixture
def witness(tmp_path, log):
    """A county office's witness of `log`, as its own process with its own state."""
    process = WitnessProcess(tmp_path / "county", {log.origin: [log.vkey]})
    process.start()
    yield process
    process.kill()
