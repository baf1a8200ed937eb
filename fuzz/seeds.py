#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into a folder per target (default: fuzz/seeds/).

Response seeds come from the conformance vectors (tests/vectors/cases/*.json), truncated to
MAX_SEED bytes; the rest are written by hand here (for `inflate`, bodies compressed with
Python's gzip and zlib modules and gzip members with every header section built by hand, whole,
truncated and corrupt). Each seed carries the knob bytes its target reads first (see
fuzz/src/lib.rs). Run `cargo fuzz cmin` (or libFuzzer's -merge=1) afterwards to keep only the
seeds that add coverage.

    python3 fuzz/seeds.py [OUT_DIR]
"""

import base64
import gzip
import hashlib
import json
import pathlib
import sys
import zlib

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


def gzip_member(data, flags=0, name=b"body.json", comment=b"a comment", extra=b"AB\x03\x00xyz"):
    """A gzip member with the optional header sections `flags` asks for (FLG bits)."""
    head = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x00\xff")
    if flags & 0x04:
        head += len(extra).to_bytes(2, "little") + extra
    if flags & 0x08:
        head += name + b"\x00"
    if flags & 0x10:
        head += comment + b"\x00"
    if flags & 0x02:
        head += (zlib.crc32(head) & 0xFFFF).to_bytes(2, "little")
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = body.compress(data) + body.flush()
    return bytes(head) + raw + zlib.crc32(data).to_bytes(4, "little") + (len(data) % 2**32).to_bytes(4, "little")


def raw_deflate(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
    return c.compress(data) + c.flush()


def inflate_seed(mode, data, split=0, out=0xFF, level=6, cut=128):
    """Encodes a case the way `inflate` reads it: mode (bits 0-1 gzip, zlib, raw), split seed,
    output size, level byte, member cut, then the bytes."""
    return bytes([mode, split, out, level, cut]) + data


def inflate_seeds():
    text = b"".join(b'{"id": %d, "name": "item %d", "tags": ["a", "b"]}\n' % (i, i * 7) for i in range(40))
    gz, zl, raw = 0, 1, 2
    yield "gzip", inflate_seed(gz, gzip.compress(text, mtime=0))
    yield "gzip_drip", inflate_seed(gz | 4, gzip.compress(text, mtime=0), split=0x08, out=6)
    for flags in (0x02, 0x04, 0x08, 0x10, 0x1E):
        yield f"gzip_flags_{flags:02x}", inflate_seed(gz, gzip_member(text[:300], flags), split=0x0B, out=16)
    yield "gzip_two_members", inflate_seed(gz, gzip.compress(b"first\n", mtime=0) + gzip_member(text, 0x08))
    yield "gzip_zero_padding", inflate_seed(gz, gzip.compress(text, mtime=0) + bytes(16))
    yield "gzip_trailing_magic", inflate_seed(gz, gzip.compress(b"x", mtime=0) + b"\x1f\x8b\x08")
    yield "gzip_empty_member", inflate_seed(gz, gzip.compress(b"", mtime=0))
    good = gzip.compress(text, mtime=0)
    yield "gzip_truncated", inflate_seed(gz, good[: len(good) // 2], split=0x0A)
    yield "gzip_truncated_trailer", inflate_seed(gz, good[:-3])
    bad = bytearray(good)
    bad[-8] ^= 1
    yield "gzip_bad_crc", inflate_seed(gz, bytes(bad))
    bad = bytearray(good)
    bad[-1] ^= 1
    yield "gzip_bad_length", inflate_seed(gz, bytes(bad), split=0x09, out=3)
    bad = bytearray(gzip_member(text[:100], 0x0A))
    bad[15] ^= 0x40
    yield "gzip_bad_header_crc", inflate_seed(gz, bytes(bad))
    yield "gzip_reserved_flag", inflate_seed(gz, b"\x1f\x8b\x08\x20" + good[4:])
    yield "gzip_bad_method", inflate_seed(gz, b"\x1f\x8b\x07" + good[3:])
    yield "zlib", inflate_seed(zl, zlib.compress(text, 9))
    yield "zlib_stored", inflate_seed(zl, zlib.compress(text[:200], 0), split=0x0C, out=50)
    c = zlib.compressobj(zdict=b"item name tags")
    yield "zlib_fdict", inflate_seed(zl, c.compress(text) + c.flush())
    bad = bytearray(zlib.compress(text))
    bad[-1] ^= 1
    yield "zlib_bad_adler", inflate_seed(zl, bytes(bad))
    yield "zlib_trailing", inflate_seed(zl, zlib.compress(b"abc") + b"rest")
    yield "raw", inflate_seed(raw, raw_deflate(text))
    yield "raw_fixed", inflate_seed(raw, raw_deflate(text[:120], 9, zlib.Z_FIXED), split=0x08, out=1)
    yield "raw_huffman_only", inflate_seed(raw, raw_deflate(text, 6, zlib.Z_HUFFMAN_ONLY))
    yield "raw_rle", inflate_seed(raw, raw_deflate(bytes(300) + text[:50], 6, zlib.Z_RLE))
    yield "raw_reserved_block", inflate_seed(raw, b"\x07\x00")
    yield "raw_truncated", inflate_seed(raw, raw_deflate(text)[:40], split=0x0B)
    # Decompression bombs: 1.5 MiB of zeros, over the output cap.
    yield "raw_bomb", inflate_seed(raw, raw_deflate(bytes(3 << 19), 9), out=0xF0)
    yield "gzip_bomb", inflate_seed(gz, gzip.compress(bytes(3 << 19), 9, mtime=0), split=0x07, out=0x40)
    # The round trip side: plain text behind knobs for header sections, two members, padding.
    yield "roundtrip_gzip_sections", inflate_seed(gz | 0x78, text[:500], level=0x89, cut=90)
    yield "roundtrip_gzip_members", inflate_seed(gz | 0x80, text[:500], split=0x0D, out=9, level=0xF1, cut=200)
    yield "roundtrip_zlib", inflate_seed(zl | 4, text[:800], split=0x0A, out=2, level=0x30)
    yield "roundtrip_raw_stored", inflate_seed(raw, text[:800], level=0x50)


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

    for name, data in inflate_seeds():
        yield "inflate", name, data

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
