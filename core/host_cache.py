"""Results measured once per host (int8 quality gates): a JSON record reused while its key matches."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

from paperkg.artifacts import atomic_write_json

T = TypeVar("T")


def cached_result(
    target: Path, key: dict[str, Any], result_type: Callable[..., T], compute: Callable[[], T | None]
) -> T | None:
    """`result_type(**record["result"])` when `target` holds a record whose fields equal `key`; otherwise
    `compute()`, written atomically beside the key (None is returned and not written).

    An unreadable record, or one of an older recipe or artifact, is measured again; a cache that cannot be
    written only costs the next process another measurement."""
    try:
        record = json.loads(target.read_text(encoding="utf-8"))
        if all(record.get(name) == value for name, value in key.items()):
            return result_type(**record["result"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    result = compute()
    if result is None:
        return None
    try:
        atomic_write_json(target, {**key, "result": asdict(result)}, sort_keys=False)
    except OSError:
        pass
    return result
