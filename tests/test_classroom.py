"""The classroom cache: export -> import, every refusal leaving the cache as it was, and the
cache access record that proves a run read the cache instead of generating or training.

The fast tests use tiny synthetic cache files; the slow one exports the cache of a ci run of
chapters 0 and 1, imports it into an empty cache and runs the chapters again from it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import ROOT

from helpers.cache import ACCESS_LOG_ENV, atomic_path, cached_path, read_access_log
from helpers.config import cache_dir
from helpers.data import DataError
from helpers.data.__main__ import main as data_cli
from helpers.data.classroom import (
    KINDS,
    MANIFEST,
    ClassroomError,
    export_archive,
    import_archive,
    profile_settings_hash,
    verify_archive,
)
from helpers.results.record import package_versions

ENTRIES = {
    "jets/top_train-0123456789ab.h5": b"jets" * 300,
    "jets/qcd_train-0123456789ab.h5": bytes(range(256)) * 4,
    "trees/top-train-aaaaaaaaaaaa.npz": b"trees",
    "models/topodnn-bbbbbbbbbbbb.pt": b"weights" * 50,
    "attributions/kernel-shap-cccccccccccc.npy": b"shap",
}


def snapshot(root: Path) -> dict[str, str] | None:
    """Every folder and file under ``root`` (dot-names included) with its sha256;
    ``None`` if ``root`` does not exist."""
    if not root.exists():
        return None
    return {str(p.relative_to(root)): ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def source(tmp_path) -> Path:
    """A tiny cache: one file per kind, a result file and a writer's leftover (neither packed)."""
    root = tmp_path / "source"
    for rel, data in ENTRIES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "results" / "ci").mkdir(parents=True)
    (root / "results" / "ci" / "01_topodnn.json").write_text("{}")
    (root / "jets" / ".top_val-x.h5.123.abc.part").write_bytes(b"half")
    return root


@pytest.fixture
def archive(tmp_path, source) -> Path:
    return export_archive("ci", tmp_path / "classroom-ci.tar", root=source)


def read_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def write_members(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def rebuilt(archive: Path, out: Path, edit) -> Path:
    """``archive`` written again with ``edit(manifest)`` applied to its manifest."""
    members = read_members(archive)
    manifest = json.loads(members[MANIFEST])
    edit(manifest)
    members[MANIFEST] = json.dumps(manifest).encode()
    return write_members(out, members)


def refused(archive: Path, target: Path, match: str, **kwargs) -> ClassroomError:
    """Import must fail with ``match`` and leave ``target`` exactly as it was."""
    before = snapshot(target)
    with pytest.raises(ClassroomError, match=match) as err:
        import_archive(archive, root=target, **kwargs)
    assert snapshot(target) == before, "a refused import changed the cache"
    return err.value


@pytest.fixture
def target(tmp_path) -> Path:
    """A participant's cache that already holds an unrelated entry."""
    root = tmp_path / "target"
    (root / "jets").mkdir(parents=True)
    (root / "jets" / "w_train-ffffffffffff.h5").write_bytes(b"other")
    return root


# --------------------------------------------------------------------------- export / import


@pytest.mark.parametrize("name", ["classroom-ci.tar", "classroom-ci.tar.gz"])
def test_roundtrip_into_an_empty_cache_gives_identical_files(tmp_path, source, name):
    out = export_archive("ci", tmp_path / name, root=source)
    manifest, mismatches = verify_archive(out)
    assert mismatches == []
    assert manifest["profile"] == {"name": "ci", "settings_hash": profile_settings_hash("ci")}
    assert manifest["versions"] == package_versions()
    assert set(manifest["versions"]) >= {"torch", "numpy", "scikit-learn", "pythia8mc", "fastjet",
                                         "jet-tagger-xai-helpers"}
    assert manifest["selection"]["mode"] == "whole-cache" and manifest["created"]
    assert {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"]} == {
        rel: (len(data), hashlib.sha256(data).hexdigest()) for rel, data in ENTRIES.items()}
    assert {f.get("config_hash") for f in manifest["files"]} == {
        "0123456789ab", "aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"}

    empty = tmp_path / "empty"
    report = import_archive(out, root=empty)
    assert sorted(report.installed) == sorted(ENTRIES) and not report.kept
    expected = {k: v for k, v in snapshot(source).items()
                if not k.startswith("results") and ".part" not in k}
    assert snapshot(empty) == expected, "imported files differ (or temporary files were left)"

    again = import_archive(out, root=empty)
    assert sorted(again.kept) == sorted(ENTRIES) and not again.installed
    assert snapshot(empty) == expected


def test_import_keeps_identical_files_and_refuses_different_ones_unless_overwrite(
        archive, target):
    rel = "models/topodnn-bbbbbbbbbbbb.pt"
    (target / "models").mkdir()
    (target / rel).write_bytes(b"a model trained here")
    err = refused(archive, target, "differ.*--overwrite")
    assert rel in str(err)
    report = import_archive(archive, root=target, overwrite=True)
    assert report.replaced == [rel]
    assert (target / rel).read_bytes() == ENTRIES[rel]
    assert (target / "jets" / "w_train-ffffffffffff.h5").read_bytes() == b"other"


def test_corrupt_file_is_refused_and_the_cache_unchanged(tmp_path, archive, target):
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"weights")  # inside the model's data
    raw[at] ^= 0xFF
    bad = tmp_path / "flipped.tar"
    bad.write_bytes(bytes(raw))
    refused(bad, target, r"models/topodnn-bbbbbbbbbbbb.pt fails its sha256 check")
    refused(bad, tmp_path / "new-cache", "sha256")
    assert not (tmp_path / "new-cache").exists()


def test_corrupt_gzip_archive_is_refused(tmp_path, source, target):
    out = export_archive("ci", tmp_path / "c.tar.gz", root=source)
    raw = bytearray(out.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside the deflate stream: wherever it lands, it is refused
    out.write_bytes(bytes(raw))
    refused(out, target, "corrupt|sha256|manifest")


def test_gzip_crc_catches_damage_the_manifest_does_not_see(tmp_path, archive, target):
    """A changed byte in a manifest field nothing checks ("created"): the gzip CRC refuses it."""
    raw = bytearray(archive.read_bytes())
    good = gzip.compress(bytes(raw))
    at = raw.index(b'"created": "') + len(b'"created": "')
    raw[at] = ord("1") if raw[at] != ord("1") else ord("2")
    bad = bytearray(gzip.compress(bytes(raw)))
    bad[-8:-4] = good[-8:-4]  # the trailer's CRC32 of the original content
    (tmp_path / "crc.tar.gz").write_bytes(bytes(bad))
    refused(tmp_path / "crc.tar.gz", target, "CRC check failed")


@pytest.mark.parametrize("name", ["c.tar", "c.tar.gz"])
@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_archive_is_refused(tmp_path, source, target, name, keep):
    """Cut inside the data (a plain tar ends in zero padding, which carries nothing)."""
    out = export_archive("ci", tmp_path / name, root=source)
    raw = out.read_bytes()
    if name == "c.tar":
        with tarfile.open(out) as tar:
            last = tar.getmembers()[-1]
        end = last.offset_data + last.size
    else:
        end = len(raw)
    out.write_bytes(raw[: int(end * keep)])
    refused(out, target, "truncated|corrupt|disagree|no manifest")


def test_not_an_archive_and_missing_or_malformed_manifest(tmp_path, archive, target):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all" * 40)
    refused(junk, target, "not a readable archive")
    refused(tmp_path / "absent.tar", target, "not found")
    members = read_members(archive)
    no_manifest = write_members(tmp_path / "nm.tar", {k: v for k, v in members.items() if k != MANIFEST})
    refused(no_manifest, target, "no manifest.json")
    refused(write_members(tmp_path / "bad.tar", {**members, MANIFEST: b"{not json"}), target,
            "not valid JSON")
    refused(rebuilt(archive, tmp_path / "nf.tar", lambda m: m.pop("files")), target,
            "malformed manifest.json: files")
    refused(rebuilt(archive, tmp_path / "sz.tar", lambda m: m["files"][0].update(size=1)), target,
            "has .* bytes, the manifest says 1")
    extra = write_members(tmp_path / "extra.tar", {**members, "jets/unlisted.h5": b"x"})
    refused(extra, target, "disagree")


def test_version_mismatch_is_refused_naming_the_package(tmp_path, archive, target):
    installed = package_versions()["torch"]
    bad = rebuilt(archive, tmp_path / "v.tar", lambda m: m["versions"].update(torch="0.0.1"))
    err = refused(bad, target, "other package versions")
    assert f"torch: archive 0.0.1, installed {installed}" in str(err)
    assert "--allow-version-mismatch" in str(err)
    report = import_archive(bad, root=target, allow_version_mismatch=True)
    assert report.version_warnings == [f"torch: archive 0.0.1, installed {installed}"]
    assert sorted(report.installed) == sorted(ENTRIES)


def test_profile_settings_mismatch_is_refused(tmp_path, archive, target):
    bad = rebuilt(archive, tmp_path / "p.tar",
                  lambda m: m["profile"].update(settings_hash="0" * 16))
    refused(bad, target, "other settings of profile 'ci'")
    other = rebuilt(archive, tmp_path / "s.tar",
                    lambda m: m["profile"].update(name="standard"))
    refused(other, target, "other settings of profile 'standard'")
    assert profile_settings_hash("ci") != profile_settings_hash("standard")


@pytest.mark.parametrize("member", ["../evil.h5", "jets/../../evil.h5", "/tmp/evil.h5",
                                    "jets/sub/x.h5", "results/ci/x.json", "jets/.hidden"])
def test_unsafe_member_names_are_refused(tmp_path, archive, target, member):
    """A member renamed (in the archive and its manifest) to escape or miss the cache folders."""
    rel = "models/topodnn-bbbbbbbbbbbb.pt"
    members = read_members(archive)
    manifest = json.loads(members.pop(MANIFEST))
    for entry in manifest["files"]:
        if entry["path"] == rel:
            entry["path"] = member
    members = {MANIFEST: json.dumps(manifest).encode(),
               **{(member if k == rel else k): v for k, v in members.items()}}
    bad = write_members(tmp_path / "t.tar", members)
    refused(bad, target, "unsafe member name|not a cache entry")
    assert not (tmp_path / "evil.h5").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_link_members_are_refused(tmp_path, archive, target, kind):
    members = read_members(archive)
    bad = tmp_path / "link.tar"
    write_members(bad, members)
    with tarfile.open(bad, "a") as tar:
        info = tarfile.TarInfo("jets/link.h5")
        info.type, info.linkname = kind, "/etc/passwd"
        tar.addfile(info)
    refused(bad, target, "is a link")


# --------------------------------------------------------------------------- the CLI


def test_cli_export_import_and_clear_errors(tmp_path, source, monkeypatch, capsys):
    monkeypatch.setenv("JETBOOK_CACHE", str(source))
    out = tmp_path / "cli.tar.gz"
    assert data_cli(["export", "--profile", "ci", "--output", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    target = tmp_path / "cli-cache"
    monkeypatch.setenv("JETBOOK_CACHE", str(target))
    assert data_cli(["import", str(out)]) == 0
    assert f"{len(ENTRIES)} files installed" in capsys.readouterr().out
    bad = rebuilt(out, tmp_path / "v.tar", lambda m: m["versions"].update(numpy="0.1"))
    before = snapshot(target)
    assert data_cli(["import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "numpy: archive 0.1" in err and "Traceback" not in err
    assert snapshot(target) == before
    assert data_cli(["import", str(bad), "--allow-version-mismatch"]) == 0
    assert "warning: other package version -- numpy" in capsys.readouterr().err


def test_cli_refusal_exits_without_traceback(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b" + b"\0" * 50)
    env = {**os.environ, "JETBOOK_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "helpers.data", "import", str(junk)], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "cache").exists()


def test_export_of_an_empty_cache_is_an_error(tmp_path):
    with pytest.raises(ClassroomError, match="nothing to export"):
        export_archive("ci", tmp_path / "x.tar", root=tmp_path / "nothing")
    assert issubclass(ClassroomError, DataError)
    assert KINDS == ("jets", "trees", "models", "attributions", "efps")


# --------------------------------------------------------------------------- the access record


def test_access_log_records_hits_misses_and_writes(tmp_path, monkeypatch, source):
    cache = tmp_path / "logged"
    log = tmp_path / "access.log"
    monkeypatch.setenv("JETBOOK_CACHE", str(cache))
    monkeypatch.setenv(ACCESS_LOG_ENV, str(log))
    path = cached_path("models", "m", {"a": 1}, ".pt")
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"model")
    assert cached_path("models", "m", {"a": 1}, ".pt") == path
    with atomic_path(tmp_path / "outside.bin") as tmp:  # not in the cache: not recorded
        tmp.write_bytes(b"x")
    assert read_access_log(log) == [("miss", "models", path.name), ("write", "models", path.name),
                                    ("hit", "models", path.name)]

    # an export restricted to the access record packs only the entries it names
    log2 = tmp_path / "source.log"
    log2.write_text("hit\tjets\ttop_train-0123456789ab.h5\nmiss\tmodels\ttopodnn-bbbbbbbbbbbb.pt\n"
                    "miss\tmodels\tnever-written.pt\n")
    out = export_archive("ci", tmp_path / "sel.tar", root=source, log=log2)
    manifest, _ = verify_archive(out)
    assert manifest["selection"]["mode"] == "access-log"
    assert [f["path"] for f in manifest["files"]] == ["jets/top_train-0123456789ab.h5",
                                                      "models/topodnn-bbbbbbbbbbbb.pt"]


def test_jet_lookup_of_the_data_layer_is_recorded(tmp_path, monkeypatch):
    """``generate_sample`` finding its file records a hit, and generates nothing."""
    import h5py
    import numpy as np

    from helpers.data.processes import JetDefinition
    from helpers.data.samples import generate_sample, generation_config, sample_path
    from helpers.data.store import JetWriter, write_attrs

    log = tmp_path / "access.log"
    monkeypatch.setenv(ACCESS_LOG_ENV, str(log))
    config = generation_config("top", "train", 2, 0, 2, JetDefinition())
    path = sample_path(config, tmp_path)
    path.parent.mkdir(parents=True)
    log.unlink()
    constituents = np.zeros((2, 3, 4), np.float32)
    constituents[:, 0] = [100.0, 60.0, 0.0, 80.0]
    with h5py.File(path, "w") as h5:
        JetWriter(h5, 2, 3).write(0, constituents=constituents, truth=np.zeros((2, 4)),
                                  labels=np.ones(2), pthat=np.zeros(2))
        write_attrs(h5, config=config, complete=True)
    assert generate_sample("top", 2, "train", 0, 2, root=tmp_path) == path
    assert read_access_log(log) == [("hit", "jets", path.name)]


def test_no_access_log_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(ACCESS_LOG_ENV, raising=False)
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path))
    cached_path("jets", "x", {}, ".h5")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- end to end

CHAPTERS = "00_jets,01_topodnn"


def _run(cmd: list[str], env: dict[str, str], timeout: float = 3600) -> str:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n"
                                  f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


def _execute(env: dict[str, str], build_dir: Path) -> str:
    return _run([sys.executable, "-m", "helpers.book", "execute", "--profile", "ci",
                 "--chapters", CHAPTERS, "--build-dir", str(build_dir)], env)


@pytest.mark.slow
def test_imported_cache_runs_the_chapters_without_generation_or_training(tmp_path):
    """Chapters 0 and 1 at ci, from a cache imported into an empty folder: every jet file and
    every model is a cache hit, none is generated or trained.

    The source is the shared cache of the ci book build (``$JETBOOK_CACHE`` or ``.cache``, as in
    tests/test_book.py): after that build the first run here only reads it; run alone, it
    generates and trains what the two chapters need.  Its access record selects what is exported.
    """
    base = {k: v for k, v in os.environ.items() if k != ACCESS_LOG_ENV}
    source_log = tmp_path / "source.log"
    _execute({**base, "JETBOOK_CACHE": str(cache_dir()), ACCESS_LOG_ENV: str(source_log)},
             tmp_path / "build-source")
    archive = tmp_path / "classroom-ci.tar.gz"
    _run([sys.executable, "-m", "helpers.data", "export", "--profile", "ci", "--output",
          str(archive), "--from-log", str(source_log)], {**base, "JETBOOK_CACHE": str(cache_dir())})

    imported = tmp_path / "imported-cache"
    _run([sys.executable, "-m", "helpers.data", "import", str(archive)],
         {**base, "JETBOOK_CACHE": str(imported)})
    log = tmp_path / "imported.log"
    _execute({**base, "JETBOOK_CACHE": str(imported), ACCESS_LOG_ENV: str(log)},
             tmp_path / "build-imported")

    records = read_access_log(log)
    for kind in ("jets", "models"):
        assert any(e == "hit" and k == kind for e, k, _ in records), f"no {kind} looked up"
        missed = [n for e, k, n in records if k == kind and e in ("miss", "write")]
        assert not missed, f"{kind} generated or trained after the import: {missed}"
