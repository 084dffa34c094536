import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tailor_worker.tiny_model import write_tiny_llama


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random llama (2 layers, hidden 32) in a Hugging Face folder."""
    return write_tiny_llama(tmp_path_factory.mktemp("tiny") / "llama")
