"""The tails server: round trips, the hash check, no overwrite, the size limit, names, races, persistence."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from acapy_agent.utils.http import put_file

from ledger.tails import TailsSettings, TailsStore, create_app
from ledger.tails.settings import MIB
from ledger.tails.store import tails_hash_of
from medcred.errors import ConflictError, InvalidInputError

DID = "WgWxqztrNooG92RXvxSTWv"
REV_REG_ID = f"{DID}:4:{DID}:3:CL:20:tag:CL_ACCUM:0"
LIMIT = 64 * 1024


def tails_file(size: int = 4096) -> bytes:
    """Bytes shaped like a tails file: version header 00 02, then random points."""
    return b"\x00\x02" + os.urandom(size - 2)


def upload(name: str, data: bytes) -> dict[str, tuple[str, bytes, str]]:
    """The multipart form ACA-Py sends."""
    return {"tails": (name, data, "application/octet-stream")}


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
async def client(store_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(TailsSettings(storage_dir=store_dir, max_file_bytes=LIMIT))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tails") as client:
        yield client


async def test_round_trip_by_hash(client: httpx.AsyncClient) -> None:
    data = tails_file()
    name = tails_hash_of(data)
    put = await client.put(f"/hash/{name}", files=upload(name, data))
    assert (put.status_code, put.text) == (200, name)
    got = await client.get(f"/hash/{name}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.content == data


async def test_absent_file_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/hash/{tails_hash_of(b'never stored')}")).status_code == 404
    assert (await client.get(f"/{REV_REG_ID}")).status_code == 404


async def test_hash_mismatch_is_400_and_stores_nothing(client: httpx.AsyncClient, store_dir: Path) -> None:
    data = tails_file()
    wrong = tails_hash_of(data + b"x")
    put = await client.put(f"/hash/{wrong}", files=upload(wrong, data))
    assert put.status_code == 400
    assert "does not match" in put.json()["detail"]
    assert (await client.get(f"/hash/{wrong}")).status_code == 404
    assert stored_files(store_dir) == []  # no temp file left behind either


async def test_second_put_is_409_and_keeps_the_first(client: httpx.AsyncClient) -> None:
    data = tails_file()
    name = tails_hash_of(data)
    assert (await client.put(f"/hash/{name}", files=upload(name, data))).status_code == 200
    again = await client.put(f"/hash/{name}", files=upload(name, data))
    assert again.status_code == 409
    assert (await client.get(f"/hash/{name}")).content == data


@pytest.mark.parametrize("size", [LIMIT + 1, 3 * MIB], ids=["just-over", "far-over"])
async def test_over_the_limit_is_413_and_stores_nothing(client: httpx.AsyncClient, store_dir: Path, size: int) -> None:
    data = tails_file(size)
    name = tails_hash_of(data)
    put = await client.put(f"/hash/{name}", files=upload(name, data))
    assert put.status_code == 413
    assert (await client.get(f"/hash/{name}")).status_code == 404
    assert stored_files(store_dir) == []


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
async def test_an_oversized_body_is_not_read_to_its_end(
    client: httpx.AsyncClient, store_dir: Path, declared: bool
) -> None:
    """Chunked, the body is cut off once past the limit; with a Content-Length, it is not read at all."""
    data = tails_file(4 * MIB)
    name = tails_hash_of(data)
    head = f'--cut\r\nContent-Disposition: form-data; name="tails"; filename="{name}"\r\n\r\n'.encode()
    body = head + data + b"\r\n--cut--\r\n"
    chunks = [body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024)]
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        for chunk in chunks:
            pulled += 1
            yield chunk

    headers = {"content-type": "multipart/form-data; boundary=cut"}
    if declared:
        headers["content-length"] = str(len(body))
    put = await client.put(f"/hash/{name}", content=stream(), headers=headers)
    assert put.status_code == 413
    if declared:
        assert pulled == 0
    else:
        assert 0 < pulled < len(chunks) // 2
    assert stored_files(store_dir) == []


@pytest.mark.parametrize(
    ("form", "files"),
    [({}, {"other": ("x", b"data", "application/octet-stream")}), ({"tails": "not a file"}, None)],
    ids=["wrong-field", "text-not-file"],
)
async def test_a_missing_tails_field_is_400_naming_it(
    client: httpx.AsyncClient, form: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None
) -> None:
    name = tails_hash_of(b"data")
    put = await client.put(f"/hash/{name}", data=form, files=files)
    assert put.status_code == 400
    assert "tails" in put.json()["detail"]


async def test_a_non_multipart_body_is_400(client: httpx.AsyncClient) -> None:
    put = await client.put(f"/hash/{tails_hash_of(b'data')}", content=b"data")
    assert put.status_code == 400
    assert "tails" in put.json()["detail"]


BAD_PATHS = [
    "/hash/..%2F..%2Fetc%2Fpasswd",
    "/hash/%2Fetc%2Fpasswd",
    "/hash/%2E%2E",
    "/%2E%2E",
    "/..%2F..%2Fevil",
    f"/{DID}:4:{DID}:3:CL:20:..%2F..%2Fevil:CL_ACCUM:0",
    f"/{DID}:4:{DID}:3:CL:20:tag:CL_ACCUM:{'t' * 65}",
    "/hash/" + "z" * 65,  # too long
    "/hash/" + "z" * 44,  # base58, but 33 bytes
    "/hash/" + "0OIl" * 11,  # not the base58 alphabet
    "/hash/" + tails_hash_of(b"x")[:-1] + "%00",
    "/evil",
]


@pytest.mark.parametrize("path", BAD_PATHS)
async def test_malformed_names_never_reach_the_filesystem(
    client: httpx.AsyncClient, tmp_path: Path, store_dir: Path, path: str
) -> None:
    before = stored_files(tmp_path)
    put = await client.put(path, files=upload("evil", b"evil"))
    got = await client.get(path)
    assert put.status_code in {400, 404}
    assert got.status_code in {400, 404}
    assert b"root:" not in got.content
    assert stored_files(tmp_path) == before


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\x00b", "", "z" * 44, REV_REG_ID + "/x"])
def test_the_store_refuses_malformed_names(store_dir: Path, name: str) -> None:
    store = TailsStore(store_dir)
    with pytest.raises(InvalidInputError):
        store.get_by_hash(name)
    with pytest.raises(InvalidInputError):
        store.put_by_rev_reg_id(name, b"data")


async def test_round_trip_by_rev_reg_id_as_acapy_indy_uploads(client: httpx.AsyncClient) -> None:
    data = tails_file()
    form = {"genesis": '{"reqSignature":{},"txn":{}}'}  # sent by ACA-Py, unused here
    put = await client.put(f"/{REV_REG_ID}", data=form, files=upload(REV_REG_ID, data))
    assert (put.status_code, put.text) == (200, tails_hash_of(data))
    assert (await client.get(f"/{REV_REG_ID}")).content == data
    assert (await client.get(f"/hash/{tails_hash_of(data)}")).content == data
    assert (await client.put(f"/{REV_REG_ID}", files=upload(REV_REG_ID, data))).status_code == 409


async def test_files_outlive_the_app(store_dir: Path) -> None:
    data = tails_file()
    name = tails_hash_of(data)
    settings = TailsSettings(storage_dir=store_dir)
    for attempt, expected in enumerate([200, 409]):
        app = create_app(settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            if attempt == 1:
                assert (await client.get(f"/hash/{name}")).content == data
            assert (await client.put(f"/hash/{name}", files=upload(name, data))).status_code == expected


async def test_concurrent_puts_of_one_hash_one_wins(client: httpx.AsyncClient) -> None:
    data = tails_file(LIMIT)
    name = tails_hash_of(data)
    puts = await asyncio.gather(*(client.put(f"/hash/{name}", files=upload(name, data)) for _ in range(2)))
    assert sorted(put.status_code for put in puts) == [200, 409]
    assert (await client.get(f"/hash/{name}")).content == data


def test_racing_threads_exactly_one_wins(store_dir: Path) -> None:
    store = TailsStore(store_dir)
    data = tails_file()
    barrier = threading.Barrier(8)

    def put(_: int) -> bool:
        barrier.wait()
        try:
            store.put_by_hash(tails_hash_of(data), data)
        except ConflictError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(put, range(8))) == [False] * 7 + [True]
    assert store.get_by_hash(tails_hash_of(data)).read_bytes() == data


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}


def test_settings_default_to_the_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCRED_HOME", str(tmp_path))
    monkeypatch.setenv("MEDCRED_TAILS_MAX_FILE_BYTES", "1000")
    settings = TailsSettings()
    assert settings.resolved_storage_dir() == tmp_path.resolve() / "tails"
    assert settings.max_file_bytes == 1000


@pytest.fixture
def live_server(store_dir: Path) -> Iterator[str]:
    """The app served by uvicorn on a free port, in a thread; always stopped."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(TailsSettings(storage_dir=store_dir)), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_real_server_takes_an_acapy_style_upload(live_server: str) -> None:
    data = tails_file(260_000)
    name = tails_hash_of(data)
    with httpx.Client(base_url=live_server) as http:
        put = http.put(f"/hash/{name}", files={"tails": (name, data, "application/octet-stream")})
        assert (put.status_code, put.text) == (200, name)
        assert http.get(f"/hash/{name}").content == data
        assert http.put(f"/hash/{name}", files=upload(name, data)).status_code == 409


async def test_acapy_put_file_uploads_by_hash_and_by_registry(live_server: str, tmp_path: Path) -> None:
    """ACA-Py 1.7's own upload code (anoncreds by hash; indy by registry id, with `genesis`)."""
    data = tails_file()
    name = tails_hash_of(data)
    path = tmp_path / "tails-file"
    path.write_bytes(data)
    assert await put_file(f"{live_server}/hash/{name}", {"tails": str(path)}, {}) == name
    by_registry = await put_file(f"{live_server}/{REV_REG_ID}", {"tails": str(path)}, {"genesis": "{}"})
    assert by_registry == name
    async with httpx.AsyncClient(base_url=live_server) as http:
        assert (await http.get(f"/{REV_REG_ID}")).content == data
