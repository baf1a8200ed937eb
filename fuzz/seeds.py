#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into a folder per target (default: fuzz/seeds/).

Response seeds come from the conformance vectors (tests/vectors/cases/*.json), truncated to
MAX_SEED bytes; the rest are written by hand here. Each seed carries the knob bytes its target
reads first (see fuzz/src/lib.rs). Run `cargo fuzz cmin` (or libFuzzer's -merge=1) afterwards to
keep only the seeds that add coverage.

    python3 fuzz/seeds.py [OUT_DIR]
"""

import base64
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "vectors" / "cases"
MAX_SEED = 8 * 1024
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]


def expand(parts):
    """Concatenates `response_parts`, stopping once MAX_SEED bytes are there."""
    out = bytearray()
    for part in parts:
        for _ in range(part.get("repeat", 1)):
            if len(out) >= MAX_SEED:
                return bytes(out)
            if "b64" in part:
                out += base64.b64decode(part["b64"])
            else:
                out += expand(part["parts"])
    return bytes(out[:MAX_SEED])


def responses():
    """(id, request method, response bytes) for every case that sends something."""
    for path in sorted(CASES.glob("*.json")):
        case = json.loads(path.read_text())
        if case.get("response_b64"):
            data = base64.b64decode(case["response_b64"])[:MAX_SEED]
        elif case.get("response_parts"):
            data = expand(case["response_parts"])
        else:
            data = b""
        yield case["id"], case["request_method"], data
        if case.get("followup_response_b64"):
            yield case["id"] + "_followup", "GET", base64.b64decode(case["followup_response_b64"])


def field(b):
    if isinstance(b, str):
        b = b.encode()
    return bytes([len(b)]) + b


def request_seed(method, target, form=0, query=None, host="example.com", body=0, headers=()):
    """Encodes a request the way request_roundtrip reads it."""
    flags = form << 4
    if method in METHODS:
        flags |= METHODS.index(method)
        prefix = b""
    else:
        flags |= 9
        prefix = field(method)
    if query is not None:
        flags |= 0x40
    if host is not None:
        flags |= 0x80
    out = bytes([flags, body]) + prefix + field(target) + field(query or "") + field(host or "")
    for name, value in headers:
        out += field(name) + field(value)
    return out


def chunked_pieces(seed, length, pieces):
    out = bytes([seed]) + length.to_bytes(8, "little")
    for p in pieces:
        out += field(p)
    return out


def seeds():
    for cid, method, data in responses():
        yield "response_head", cid, b"\x00\x00\x00" + data
        m = METHODS.index(method) if method in METHODS else 0
        yield "body_framing", cid, bytes([m, 0, 0xFF, 0]) + data
        yield "body_framing", cid + "_drip", bytes([m, 3, 4, 0]) + data
        end = data.find(b"\r\n\r\n")
        if b"chunked" in data.lower() and end >= 0:
            yield "chunked_decode", cid, b"\x00\x00\x00" + data[end + 4 :]
            yield "chunked_decode", cid + "_bytes", b"\x08\x00\x00" + data[end + 4 :]

    # Leniencies and tight limits for heads.
    yield "response_head", "obs_fold_lenient", b"\x07\x00\x00HTTP/1.1  200  OK\r\nX : a\r\n b\r\n\r\n"
    yield "response_head", "tight_limits", b"\x18\x02\x02HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    yield "response_head", "leading_blank", b"\x00\x00\x00\r\nHTTP/1.1 200 OK\r\nA: 1\r\n\r\n"

    # Chunked bodies by hand: extensions, trailers, limits.
    for name, body in [
        ("ext_quoted", b'5 ; a = "q\\"x" ;b\r\nhello\r\n0\r\n\r\n'),
        ("trailers", b"5\r\nhello\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n"),
        ("leading_zeros", b"0000000000000000005\r\nhello\r\n0\r\n\r\n"),
        ("max_size", b"ffffffffffffffff\r\nab"),
        ("trailing_response", b"1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"),
    ]:
        yield "chunked_decode", name, b"\x0b\x05\x00" + body
    yield "chunked_decode", "tight_limits", b"\x01\x02\x33" + b"1;abcdefgh=ijk\r\na\r\n0\r\nX: yyyyyyyy\r\n\r\n"

    yield "chunked_roundtrip", "empty", chunked_pieces(0, 0, [])
    yield "chunked_roundtrip", "pieces", chunked_pieces(9, 26, [b"hello", b"", b" ", b"world" * 40])
    yield "chunked_roundtrip", "crlf_data", chunked_pieces(3, 2**64 - 1, [b"0\r\n\r\n", b"\r\n"])

    yield "request_roundtrip", "get", request_seed("GET", "/")
    yield "request_roundtrip", "patch_no_body", request_seed("PATCH", "/users/1")
    yield "request_roundtrip", "put_known", request_seed(
        "PUT", "/a", query="b=1&c", body=2 | (5 << 2), headers=[("Content-Type", "application/json")]
    )
    yield "request_roundtrip", "post_chunked", request_seed("POST", "/up", body=3)
    yield "request_roundtrip", "caller_framing", request_seed(
        "POST", "/x", body=3, headers=[("content-length", "12"), ("X-A", "1\t ")]
    )
    yield "request_roundtrip", "caller_te", request_seed(
        "POST", "/x", body=2 | (1 << 2), headers=[("Transfer-Encoding", "chunked")]
    )
    yield "request_roundtrip", "purge", request_seed("PURGE", "/cache/x", headers=[("Host", "other")])
    yield "request_roundtrip", "connect", request_seed("CONNECT", "example.com:443", form=2)
    yield "request_roundtrip", "proxy", request_seed("GET", "http://example.com/a?b", form=1)
    yield "request_roundtrip", "options_star", request_seed("OPTIONS", "", form=3, host=None)
    yield "request_roundtrip", "bad_value", request_seed(
        "GET", "/", headers=[("X-Bad", "a\r\nInjected: 1"), ("X-Latin1", b"caf\xe9"), ("Bad Name", "v")]
    )


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "seeds"
    for target, name, data in seeds():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha1(data).hexdigest()[:8]
        (folder / f"seed-{name}-{digest}").write_bytes(data)


if __name__ == "__main__":
    main()
