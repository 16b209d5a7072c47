"""A classroom cache: one archive of a profile's cache entries, verified before it is unpacked.

A teacher builds the book once and packs the cache::

    python -m helpers.data export --profile ci --output classroom-ci.tar.gz

and each participant unpacks it into their own (empty or partly filled) cache::

    python -m helpers.data import classroom-ci.tar.gz

The archive is a tar file (gzip-compressed when its name ends in ``.gz`` or ``.tgz``) of
``manifest.json`` and the cache entries under their paths relative to the cache root
(``jets/top_train-<hash>.h5``, ``models/...``).  The manifest holds the profile's name and
settings hash, the installed package versions, the creation time and per file its size, sha256
and the configuration hash its name carries (:func:`build_manifest`).

Cache entries carry no profile tag (their names hash the configuration that made them), so
by default *every* entry of ``jets/``, ``trees/``, ``models/``, ``attributions/`` and ``efps/`` is packed,
whatever profile made it; the chapters' results (``results/``) never are.  ``log`` (a cache
access record, ``$JETBOOK_CACHE_LOG``, of a run of the profile) packs only the entries that run
looked up.  The manifest's ``selection`` says which of the two was done.

:func:`import_archive` checks everything before it touches the cache -- the manifest, every
member's name and type (no absolute paths, ``..``, links), sizes and sha256, the package
versions and the profile's settings -- then unpacks into a temporary folder inside the cache
root and moves each file into place with an atomic rename.  Any failure raises
:class:`ClassroomError` and leaves the cache as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

from ..cache import _pid_alive, atomic_path, config_hash, read_access_log
from ..config import PROFILES, Profile, cache_dir, get_profile
from ..results.record import package_versions
from .errors import DataError

#: the cache folders an archive may hold
KINDS = ("jets", "trees", "models", "attributions", "efps")
MANIFEST = "manifest.json"
FORMAT = "jetbook-classroom-cache"
FORMAT_VERSION = 1
_CHUNK = 1 << 20
_IMPORT_PREFIX = ".import-"
#: the configuration hash in a cache entry's name (``<name>-<hash><suffix>``)
_CONFIG_HASH = re.compile(r"-([0-9a-f]{12})\.[^/]*$")


class ClassroomError(DataError):
    """An archive that cannot be exported or imported (corrupt, truncated, mismatching, ...)."""


def profile_settings_hash(profile: Profile | str) -> str:
    """Hash of every setting of ``profile`` (sizes, epochs, seeds, per-chapter settings)."""
    return config_hash(dataclasses.asdict(get_profile(profile)), length=16)


def _sha256(stream: IO[bytes]) -> tuple[str, int]:
    """sha256 hex digest and byte count of a binary stream, read in chunks."""
    h, n = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        h.update(chunk)
        n += len(chunk)
    return h.hexdigest(), n


def file_sha256(path: Path) -> tuple[str, int]:
    """sha256 hex digest and size of a file."""
    with open(path, "rb") as fh:
        return _sha256(fh)


def cache_entries(root: Path | None = None, log: Path | None = None) -> list[str]:
    """Relative paths (``kind/name``) of the cache's finished entries, sorted.

    Temporary files (names starting with ``.``) and links are skipped; with ``log`` only the
    entries that the access record names.
    """
    root = Path(root) if root is not None else cache_dir()
    found = []
    for kind in KINDS:
        folder = root / kind
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.iterdir()):
            if not path.name.startswith(".") and path.is_file() and not path.is_symlink():
                found.append(f"{kind}/{path.name}")
    if log is not None:
        if not Path(log).is_file():
            raise ClassroomError(f"{log}: cache access record not found")
        named = {f"{kind}/{name}" for _, kind, name in read_access_log(log)}
        found = [rel for rel in found if rel in named]
    return found


def build_manifest(profile: Profile | str, root: Path, entries: list[str],
                   log: Path | None = None) -> dict:
    """The manifest of an archive of ``entries`` (relative paths under ``root``)."""
    prof = get_profile(profile)
    files = []
    for rel in entries:
        digest, size = file_sha256(root / rel)
        entry = {"path": rel, "size": size, "sha256": digest}
        if key := _CONFIG_HASH.search(rel):
            entry["config_hash"] = key.group(1)
        files.append(entry)
    if log is None:
        selection = {"mode": "whole-cache", "kinds": list(KINDS),
                     "note": "cache entries carry no profile tag: every entry of these folders "
                             "was packed, whatever profile made it; results/ is never packed"}
    else:
        selection = {"mode": "access-log", "kinds": list(KINDS), "log": Path(log).name,
                     "note": "the entries that a run with this access record looked up"}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "profile": {"name": prof.name, "settings_hash": profile_settings_hash(prof)},
        "versions": package_versions(),
        "selection": selection,
        "files": files,
    }


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info


def _compression(path: Path) -> str:
    return "gz" if path.name.endswith((".gz", ".tgz")) else ""


def export_archive(profile: Profile | str, output: Path | None = None, root: Path | None = None,
                   log: Path | None = None) -> Path:
    """Pack the cache entries (see the module notes) into ``output``; return its path.

    The default output is ``classroom-<profile>.tar.gz`` in the working directory.  The
    archive is written atomically: a killed export leaves no complete-looking file.
    """
    prof = get_profile(profile)
    root = Path(root) if root is not None else cache_dir()
    output = Path(output) if output is not None else Path(f"classroom-{prof.name}.tar.gz")
    entries = [rel for rel in cache_entries(root, log)
               if (root / rel).resolve() != output.resolve()]
    if not entries:
        what = f"named in {log}" if log is not None else f"in {root}"
        raise ClassroomError(f"nothing to export: no cache entries {what} "
                             f"(folders {', '.join(KINDS)})")
    manifest = build_manifest(prof, root, entries, log)
    blob = json.dumps(manifest, indent=2).encode()
    with atomic_path(output) as tmp, tarfile.open(tmp, f"w:{_compression(output)}") as tar:
        tar.addfile(_tarinfo(MANIFEST, len(blob), datetime.datetime.now().timestamp()),
                    io.BytesIO(blob))
        for entry in manifest["files"]:
            path = root / entry["path"]
            with open(path, "rb") as fh:
                tar.addfile(_tarinfo(entry["path"], entry["size"], path.stat().st_mtime), fh)
    return output


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport:
    """What :func:`import_archive` did: relative paths installed, kept (identical) and replaced."""

    archive: Path
    root: Path
    profile: str
    installed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    version_warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.archive}: profile {self.profile}, {len(self.installed)} files installed, "
                f"{len(self.kept)} identical files kept, {len(self.replaced)} replaced "
                f"in {self.root}")


@contextlib.contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive opened for reading; every read error becomes a :class:`ClassroomError`."""
    path = Path(path)
    if not path.is_file():
        raise ClassroomError(f"{path}: archive not found")
    try:
        with tarfile.open(path, "r:*") as tar:
            yield tar
    except ClassroomError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise ClassroomError(f"{path}: not a readable archive (corrupt or truncated?): "
                             f"{type(err).__name__}: {err}") from err


def _check_member_name(archive: Path, name: str) -> None:
    pure = PurePosixPath(name)
    if not pure.parts:
        raise ClassroomError(f"{archive}: member with an empty name")
    if (name.startswith("/") or "\\" in name or ".." in pure.parts or pure.is_absolute()
            or ":" in pure.parts[0]):
        raise ClassroomError(f"{archive}: unsafe member name {name!r} (absolute or outside "
                             "the cache)")
    if name == MANIFEST:
        return
    if (len(pure.parts) != 2 or pure.parts[0] not in KINDS or pure.name.startswith(".")
            or str(pure) != name):
        raise ClassroomError(f"{archive}: member {name!r} is not a cache entry "
                             f"(<{'|'.join(KINDS)}>/<file>)")


def _members(archive: Path, tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """``{name: member}``, refusing links, folders, devices, unsafe and repeated names."""
    out: dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        _check_member_name(archive, member.name)
        if not member.isfile():
            kind = "a link" if member.issym() or member.islnk() else "not a regular file"
            raise ClassroomError(f"{archive}: member {member.name!r} is {kind}")
        if member.name in out:
            raise ClassroomError(f"{archive}: member {member.name!r} appears twice")
        out[member.name] = member
    return out


def _read_manifest(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict:
    if member is None:
        raise ClassroomError(f"{archive}: no {MANIFEST} (not a classroom cache archive)")
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ClassroomError(f"{archive}: {MANIFEST} is not valid JSON (corrupt archive?): "
                             f"{err}") from err
    problems = []
    if not isinstance(manifest, dict):
        raise ClassroomError(f"{archive}: {MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        problems.append(f"format {manifest.get('format')!r} version "
                        f"{manifest.get('format_version')!r}, expected {FORMAT!r} version "
                        f"{FORMAT_VERSION}")
    prof = manifest.get("profile")
    if (not isinstance(prof, dict) or prof.get("name") not in PROFILES
            or not isinstance(prof.get("settings_hash"), str)):
        problems.append(f"profile must be {{name: one of {', '.join(PROFILES)}, "
                        f"settings_hash: str}}, got {prof!r}")
    versions = manifest.get("versions")
    if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
        problems.append(f"versions must map package names to strings, got {versions!r}")
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        problems.append("files must be a non-empty list")
    else:
        for i, entry in enumerate(files):
            if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                    and isinstance(entry.get("size"), int) and entry["size"] >= 0
                    and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64):
                problems.append(f"files[{i}] must be {{path: str, size: int, sha256: 64 hex}}, "
                                f"got {entry!r}")
    if problems:
        raise ClassroomError(f"{archive}: malformed {MANIFEST}: " + "; ".join(problems))
    return manifest


def _check_environment(archive: Path, manifest: dict, allow_version_mismatch: bool) -> list[str]:
    """Refuse another profile's settings; refuse (or, if allowed, list) other package versions."""
    name, wanted = manifest["profile"]["name"], manifest["profile"]["settings_hash"]
    have = profile_settings_hash(name)
    if wanted != have:
        raise ClassroomError(
            f"{archive}: made with other settings of profile {name!r} (settings hash {wanted}, "
            f"installed {have}); the cached jets and models would not be found or would not "
            "match -- export again with this version of helpers/config.py")
    installed = package_versions()
    mismatches = [f"{pkg}: archive {manifest['versions'].get(pkg, 'missing')}, installed "
                  f"{installed.get(pkg, 'missing')}"
                  for pkg in sorted(set(installed) | set(manifest["versions"]))
                  if manifest["versions"].get(pkg, "missing") != installed.get(pkg, "missing")]
    if mismatches and not allow_version_mismatch:
        raise ClassroomError(f"{archive}: made with other package versions -- "
                             + "; ".join(mismatches)
                             + " (install the archive's versions, or pass "
                               "--allow-version-mismatch to import anyway)")
    return mismatches


def _copy_checked(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, entry: dict,
                  dest: IO[bytes] | None) -> None:
    """Stream a member (into ``dest`` if given), checking its size and sha256."""
    src = tar.extractfile(member)
    h, n = hashlib.sha256(), 0
    while chunk := src.read(_CHUNK):
        h.update(chunk)
        n += len(chunk)
        if dest is not None:
            try:
                dest.write(chunk)
            except OSError as err:
                raise ClassroomError(f"cannot write {entry['path']} into the cache: {err}") from err
    if n != entry["size"] or member.size != entry["size"]:
        raise ClassroomError(f"{archive}: {entry['path']} has {n} bytes, the manifest says "
                             f"{entry['size']} (truncated or altered)")
    if h.hexdigest() != entry["sha256"]:
        raise ClassroomError(f"{archive}: {entry['path']} fails its sha256 check "
                             f"(archive {h.hexdigest()[:16]}..., manifest "
                             f"{entry['sha256'][:16]}...): corrupt")


def _stage(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, entry: dict,
           staged: Path, umask: int) -> None:
    """Unpack one checked member to ``staged``; a write error is a :class:`ClassroomError`
    about the cache (not mistaken for a damaged archive)."""
    try:
        fh = open(staged, "wb")
    except OSError as err:
        raise ClassroomError(f"cannot write into the cache ({staged}): {err}") from err
    with fh:
        _copy_checked(archive, tar, member, entry, fh)
    try:
        os.chmod(staged, 0o666 & ~umask)
    except OSError as err:
        raise ClassroomError(f"cannot write into the cache ({staged}): {err}") from err


def verify_archive(archive: Path, allow_version_mismatch: bool = False
                   ) -> tuple[dict, list[str]]:
    """Check an archive completely without writing anything; return its manifest and the
    version mismatches that ``allow_version_mismatch`` let pass."""
    archive = Path(archive)
    with _open_archive(archive) as tar:
        members = _members(archive, tar)
        manifest = _read_manifest(archive, tar, members.get(MANIFEST))
        listed = [e["path"] for e in manifest["files"]]
        for rel in listed:
            _check_member_name(archive, rel)
        if len(set(listed)) != len(listed) or MANIFEST in listed:
            raise ClassroomError(f"{archive}: {MANIFEST} lists a file twice")
        if set(listed) != set(members) - {MANIFEST}:
            extra = sorted(set(members) - {MANIFEST} - set(listed))
            absent = sorted(set(listed) - set(members))
            raise ClassroomError(f"{archive}: members and {MANIFEST} disagree (not in the "
                                 f"manifest: {extra}; missing from the archive: {absent})")
        mismatches = _check_environment(archive, manifest, allow_version_mismatch)
        for entry in manifest["files"]:
            _copy_checked(archive, tar, members[entry["path"]], entry, None)
        while tar.fileobj.read(_CHUNK):  # to the end: a gzip stream checks its CRC there
            pass
    return manifest, mismatches


def _remove_stale_imports(root: Path) -> None:
    """Delete the temporary folders of imports that were killed."""
    for folder in root.glob(f"{_IMPORT_PREFIX}*"):
        pid = folder.name[len(_IMPORT_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders (deepest first) that an import created, if they are still empty."""
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def import_archive(archive: Path, root: Path | None = None, allow_version_mismatch: bool = False,
                   overwrite: bool = False) -> ImportReport:
    """Verify ``archive`` (:func:`verify_archive`), then install its files into the cache.

    A file already in the cache with the same sha256 is kept; one with other content is an
    error unless ``overwrite``.  Files are unpacked into a temporary folder inside the cache
    root, checked again, and renamed into place one by one (each rename is atomic).
    """
    archive = Path(archive)
    root = Path(root) if root is not None else cache_dir()
    manifest, mismatches = verify_archive(archive, allow_version_mismatch)
    report = ImportReport(archive, root, manifest["profile"]["name"],
                          version_warnings=mismatches)
    todo, conflicts = [], []
    for entry in manifest["files"]:
        dest = root / entry["path"]
        if dest.is_symlink() or (dest.exists() and not dest.is_file()):
            raise ClassroomError(f"{dest}: exists and is not a regular file; not touched")
        if not dest.exists():
            todo.append(entry)
        elif file_sha256(dest) == (entry["sha256"], entry["size"]):
            report.kept.append(entry["path"])
        elif overwrite:
            todo.append(entry)
        else:
            conflicts.append(entry["path"])
    if conflicts:
        raise ClassroomError(f"{archive}: {len(conflicts)} files differ from those already in "
                             f"{root} (first: {conflicts[0]}); nothing imported -- pass "
                             "--overwrite to replace them")
    if not todo:
        return report
    created = [p for p in (root, *sorted({root / e["path"].split("/")[0] for e in todo}))
               if not p.exists()]
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale_imports(root)
        tmpdir = Path(tempfile.mkdtemp(dir=root, prefix=f"{_IMPORT_PREFIX}{os.getpid()}-"))
    except OSError as err:
        _remove_empty(created)
        raise ClassroomError(f"cache directory {root} is not writable: {err}") from err
    try:
        with _open_archive(archive) as tar:
            members = {m.name: m for m in tar.getmembers()}
            umask = os.umask(0)
            os.umask(umask)
            for i, entry in enumerate(todo):
                _stage(archive, tar, members[entry["path"]], entry, tmpdir / str(i), umask)
        for i, entry in enumerate(todo):
            dest = root / entry["path"]
            existed = dest.exists()
            try:
                dest.parent.mkdir(exist_ok=True)
                os.replace(tmpdir / str(i), dest)
            except OSError as err:
                raise ClassroomError(
                    f"cannot move {entry['path']} into {root}: {err} (the "
                    f"{len(report.installed) + len(report.replaced)} files moved before are "
                    "complete; import again to finish)") from err
            (report.replaced if existed else report.installed).append(entry["path"])
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        if not (report.installed or report.replaced):  # nothing moved: no new empty folder
            _remove_empty(created)
    return report
