"""What every chapter does first: style, profile, device, training seeds, one status line."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from .config import Profile, get_profile, setup_device
from .plots.style import use_style


class ChapterSetup(NamedTuple):
    """The settings a chapter runs with (unpack: ``prof, settings, device, seeds = ...``)."""

    profile: Profile
    settings: dict
    device: str
    seeds: list[int]


def start_chapter(chapter: str | None, profile: str = "standard", device: str = "auto",
                  seed: int = 0, data_source: str = "generated") -> ChapterSetup:
    """Apply the book's plot and table style, resolve profile and device, print the choice.

    ``chapter`` names the profile block (``"topodnn"``, ``"pfn"``, ...); ``None`` gives an
    empty ``settings`` dict.
    """
    use_style()
    pd.set_option("display.max_colwidth", None)  # summary tables hold sentences, not cells
    prof = get_profile(profile)
    settings = prof.chapter(chapter) if chapter else {}
    dev = setup_device(device, settings.get("torch_threads"))
    seeds = prof.training_seeds(seed)
    trains = f"device: {dev}, training seeds: {seeds}, " if chapter else f"seed: {seed}, "
    print(f"profile: {prof.name}, {trains}data source: {data_source}")
    return ChapterSetup(prof, settings, dev, seeds)
