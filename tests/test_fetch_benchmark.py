"""``python -m helpers.data fetch-benchmark`` against a local HTTP server that serves small
files in the benchmark layout and a record description shaped like Zenodo's: a complete
download, an interrupted transfer that resumes, a corrupted file that is refused and deleted,
and the book finding the files in the cache without --data-dir."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import warnings

import numpy as np
import pytest

from helpers.data import __main__ as data_cli
from helpers.data.benchmark import write_benchmark_layout
from helpers.data.errors import DataError
from helpers.data.fetch import BENCHMARK_FILES, fetch_benchmark, record_files
from helpers.data.jets import JetSet

RECORD = "2603256"


def _benchmark_bytes(tmp_path) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    out = {}
    for k, name in enumerate(BENCHMARK_FILES):
        n = 40 + 10 * k
        pt = rng.exponential(30.0, (n, 20)) + 1.0
        pt = -np.sort(-pt, axis=1)
        eta, phi = rng.normal(0, 0.3, (n, 20)), rng.uniform(-np.pi, np.pi, (n, 20))
        c = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)],
                     -1).astype(np.float32)
        jets = JetSet(c, (np.arange(n) % 2).astype(np.int8), np.zeros((n, 4), np.float32))
        write_benchmark_layout(jets, tmp_path / name)
        out[name] = (tmp_path / name).read_bytes()
    return out


class Server:
    """Serves ``/api/records/<id>`` and ``/files/<name>`` with byte ranges; ``cut`` names
    files whose next transfer stops half-way, ``corrupt`` files served with one byte flipped."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.cut, self.corrupt, self.requests = files, set(), set(), []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                if self.path == f"/api/records/{RECORD}":
                    body = json.dumps(server.record(self.server.server_port)).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                name = self.path.rsplit("/", 1)[-1]
                if name not in server.files:
                    self.send_error(404)
                    return
                data = bytearray(server.files[name])
                if name in server.corrupt:
                    data[len(data) // 2] ^= 0xFF
                start = int(self.headers["Range"].split("=")[1].split("-")[0]) \
                    if self.headers.get("Range") else 0
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                if name in server.cut:
                    server.cut.discard(name)
                    self.wfile.write(bytes(data[start:start + (len(data) - start) // 2]))
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(bytes(data[start:]))

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def record(self, port: int) -> dict:
        return {"id": RECORD, "files": [
            {"key": name, "size": len(data), "checksum": "md5:" + hashlib.md5(data).hexdigest(),
             "links": {"self": f"http://127.0.0.1:{port}/files/{name}"}}
            for name, data in self.files.items()]}

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/records"


@pytest.fixture()
def server(tmp_path):
    srv = Server(_benchmark_bytes(tmp_path / "origin"))
    yield srv
    srv.httpd.shutdown()


@pytest.fixture(autouse=True)
def _origin(tmp_path):
    (tmp_path / "origin").mkdir()


def test_fetch_verifies_and_reuses(server, tmp_path, monkeypatch):
    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))
    folder = fetch_benchmark(RECORD, server.api)
    assert folder == tmp_path / "cache" / "benchmark"
    for name, data in server.files.items():
        assert (folder / name).read_bytes() == data
        assert not (folder / f"{name}.part").exists()
    n = len(server.requests)
    fetch_benchmark(RECORD, server.api)  # verified files are not downloaded again
    assert [p for p, _ in server.requests[n:]] == [f"/api/records/{RECORD}"]
    assert set(record_files(f"{server.api}/{RECORD}")) == set(BENCHMARK_FILES)


def test_interrupted_transfer_resumes_where_it_stopped(server, tmp_path):
    server.cut.add("train.h5")
    with pytest.raises(DataError, match="train.h5: the transfer from .* stopped after .* run "
                                        "the command again to resume"):
        fetch_benchmark(RECORD, server.api, dest=tmp_path / "dl")
    part = tmp_path / "dl" / "train.h5.part"
    have = part.stat().st_size
    assert 0 < have < len(server.files["train.h5"]) and not (tmp_path / "dl" / "train.h5").exists()
    fetch_benchmark(RECORD, server.api, dest=tmp_path / "dl")
    assert (tmp_path / "dl" / "train.h5").read_bytes() == server.files["train.h5"]
    assert ("/files/train.h5", f"bytes={have}-") in server.requests  # resumed, not restarted


def test_corrupted_file_is_refused_and_deleted(server, tmp_path, capsys):
    server.corrupt.add("val.h5")
    code = data_cli.main(["fetch-benchmark", "--api", server.api, "--dest",
                          str(tmp_path / "dl")])
    err = capsys.readouterr().err
    assert code == 2 and "val.h5: md5 checksum" in err and "the download was deleted" in err
    assert not (tmp_path / "dl" / "val.h5").exists()
    assert not (tmp_path / "dl" / "val.h5.part").exists()
    assert (tmp_path / "dl" / "train.h5").exists()  # the files before it are kept
    server.corrupt.clear()
    assert data_cli.main(["fetch-benchmark", "--api", server.api, "--dest",
                          str(tmp_path / "dl")]) == 0


def test_a_record_without_the_files_or_unreachable_is_an_error(server, tmp_path):
    del server.files["test.h5"]
    with pytest.raises(DataError, match="lists no test.h5"):
        fetch_benchmark(RECORD, server.api, dest=tmp_path / "dl")
    with pytest.raises(DataError, match="cannot read the record description"):
        fetch_benchmark("999", server.api, dest=tmp_path / "dl")


def test_the_book_finds_the_fetched_files_without_data_dir(server, tmp_path, monkeypatch):
    from helpers import book
    from helpers.data import load_task

    monkeypatch.setenv("JETBOOK_CACHE", str(tmp_path / "cache"))
    opts = book.RunOptions(profile="ci", data_source="benchmark")
    with pytest.raises(book.BookError, match="fetch-benchmark"):
        opts.validate()
    fetch_benchmark(RECORD, server.api)
    opts.validate()
    assert opts.data_dir == str((tmp_path / "cache" / "benchmark").resolve())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the small files are smaller than the profile
        splits = load_task("top_qcd", "ci", data_source="benchmark")
    assert len(splits["val"]) == 50
