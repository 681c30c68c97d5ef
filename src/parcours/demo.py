"""Demo data: deterministic, built by each area's `demo.load(context)` in dependency order.

`parcours demo` calls the loaders below. Each loader creates its part of the two demo
territories (a Brussels care area and a French CPTS) and registers the objects it made in
`context.objects` under stable keys, so later loaders can find them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

DEMO_PASSWORD = "parcours-demo"  # noqa: S105 - demo mode only, printed on the login page

LOADERS = [
    "parcours.territory.demo",
    "parcours.directory.demo",
    "parcours.accounts.demo",
    "parcours.directory.demo_links",
    "parcours.transitions.demo",
    "parcours.patients.demo",
    "parcours.transitions.demo_stays",
    "parcours.interop.demo",
]


@dataclass
class DemoContext:
    seed: int = 2026
    professionals: int = 300
    services: int = 120
    log: Callable[[str], None] = print
    objects: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def get(self, key: str) -> Any:
        return self.objects[key]


def load_all(context: DemoContext) -> None:
    for module_name in LOADERS:
        module = import_module(module_name)
        context.log(f"demo: {module_name.rsplit('.', 2)[-2]}")
        module.load(context)
