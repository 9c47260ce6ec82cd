"""The transform's UTF-8 check (bytes kept, Arrow's validator first) against Python's incremental
strict decoder, the definition: same bytes out (BOM dropped), same error at the same offset, for any
bytes cut into any blocks."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lake_etl import transform as tmod

# bytes that make UTF-8 interesting: ASCII, line breaks, continuation bytes at their limits, every
# kind of lead byte (overlong C0/C1/E0/F0, surrogates ED A0.., F4 90.. beyond U+10FFFF, F5..FF)
ALPHABET = [0x00, 0x0A, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBB, 0xBF, 0xC0, 0xC1, 0xC2, 0xC3,
            0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def oracle(blocks: list[bytes]) -> tuple[str, str | None]:
    """The text Python's incremental strict decoder gives (BOM at the start dropped), or the error
    message the transform must give."""
    dec = codecs.getincrementaldecoder("utf-8")("strict")
    out = []
    offset = 0
    for b in blocks:
        try:
            out.append(dec.decode(b))
        except UnicodeDecodeError as e:
            pos = offset - len(dec.getstate()[0]) + e.start
            return "", (
                f"the file is not UTF-8: invalid byte at offset {max(pos, 0)} of the (decompressed) "
                "content; save or export it as UTF-8"
            )
        offset += len(b)
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return "", "the file is not UTF-8: it ends inside a multi-byte character; save it as UTF-8"
    text = "".join(out)
    return (text[1:] if text.startswith("\ufeff") else text), None


def ours(blocks: list[bytes]) -> tuple[str, str | None]:
    got = []
    try:
        for b in tmod._decode(iter(blocks)):
            assert b, "no empty blocks"
            got.append(b)
    except tmod._FileError as e:
        assert e.kind == "encoding"
        return "", e.message
    return b"".join(got).decode("utf-8"), None


def cut(data: bytes, rng: random.Random, max_block: int) -> list[bytes]:
    blocks, i = [], 0
    while i < len(data):
        n = rng.randint(1, max_block)
        blocks.append(data[i : i + n])
        i += n
    return blocks


@SETTINGS
@given(
    parts=st.lists(
        st.one_of(
            st.binary(max_size=6).map(lambda b: bytes(ALPHABET[x % len(ALPHABET)] for x in b)),
            st.text(max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.sampled_from([b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
                             b"\xe0\x9f\xbf", b"\xc0\xaf", "é€😀\n".encode()]),
        ),
        max_size=12,
    ),
    seed=st.integers(0, 2**32),
    max_block=st.sampled_from([1, 2, 3, 5, 64]),
)
def test_decode_matches_pythons_incremental_decoder(parts, seed, max_block):
    data = b"".join(parts)
    blocks = cut(data, random.Random(seed), max_block)
    assert ours(blocks) == oracle(blocks)


@pytest.mark.parametrize("lead", range(0xC0, 0x100))
def test_every_two_and_three_byte_sequence(lead):
    """Each lead byte with every second byte (and, for 3-4 byte leads, a third from the edges)."""
    thirds = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    for second in range(256):
        for third in ([None] if lead < 0xE0 else thirds):
            seq = bytes([lead, second]) + (b"" if third is None else bytes([third, 0x80]))
            for data in (b"ab" + seq + b"cd", b"\xef\xbb\xbf" + seq):
                assert ours([data]) == oracle([data]), data
                assert ours([data[:3], data[3:]]) == oracle([data[:3], data[3:]]), data
