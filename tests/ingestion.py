"""Helpers for the ingestion tests: CSV files as bytes, and the held rows."""

import io
from pathlib import Path

import pytest
from django.conf import settings

INTERACTION_HEADER = "force,channel,citizen,kind,occurred_at,external_id"


def csv_file(*lines: str, header: str = INTERACTION_HEADER) -> io.BytesIO:
    text = "\n".join([header, *lines]) + "\n" if header else "\n".join(lines)
    return io.BytesIO(text.encode())


def examples_dir(name: str) -> Path:
    folder = Path(settings.BASE_DIR).parent / "shared" / "examples" / name
    if not folder.is_dir():
        pytest.skip(f"the worked examples are not at {folder}")
    return folder
