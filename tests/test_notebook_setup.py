"""helpers.notebook.start_chapter: the settings every chapter starts from."""

from helpers.config import get_profile
from helpers.notebook import start_chapter


def test_start_chapter_resolves_profile_device_and_seeds(capsys):
    prof, settings, device, seeds = start_chapter("pfn", "ci", "cpu", seed=7)
    assert prof == get_profile("ci")
    assert settings == get_profile("ci").chapter("pfn") and settings
    assert device == "cpu"
    assert seeds == [7 + i for i in range(prof.n_seeds)]
    line = capsys.readouterr().out
    assert "profile: ci" in line and "device: cpu" in line and str(seeds) in line


def test_start_chapter_without_models_has_no_settings(capsys):
    setup = start_chapter(None, "ci", "cpu", seed=3, data_source="benchmark")
    assert setup.settings == {}
    line = capsys.readouterr().out
    assert "seed: 3" in line and "benchmark" in line and "device" not in line


def test_start_chapter_shows_whole_table_cells():
    import pandas as pd

    start_chapter(None, "ci", "cpu")
    assert pd.get_option("display.max_colwidth") is None
