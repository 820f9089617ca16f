"""Avro single-object encoding for StreamAlign's topics, with python3-avro only.

StreamAlign's values are Avro's single-object encoding (docs/producing.md): the two bytes C3 01,
the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's parsing canonical form,
then the Avro binary body. python3-avro 1.11 gives the canonical form but not this fingerprint,
so it is computed here (Avro specification, "Schema Fingerprints").
"""
import io
import os

import avro.io
import avro.schema

MAGIC = b"\xc3\x01"
_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp)

# schemas/avsc/ of the repository, or STREAMALIGN_AVSC_DIR
AVSC_DIR = os.environ.get("STREAMALIGN_AVSC_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "avsc")


def crc64_avro(data):
    """The 64-bit Rabin fingerprint Avro calls CRC-64-AVRO."""
    fp = _EMPTY
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


class Codec:
    """Encoder and decoder of one record type, from its self-contained .avsc file."""

    def __init__(self, name, avsc_dir=AVSC_DIR):
        with open(os.path.join(avsc_dir, name + ".avsc"), encoding="utf-8") as f:
            self.schema = avro.schema.parse(f.read())
        fp = crc64_avro(self.schema.canonical_form.encode("utf-8"))
        self.header = MAGIC + fp.to_bytes(8, "little")
        self._writer = avro.io.DatumWriter(self.schema)
        self._reader = avro.io.DatumReader(self.schema)

    def encode(self, record):
        """Single-object bytes of a dict with the record's fields."""
        out = io.BytesIO()
        out.write(self.header)
        self._writer.write(record, avro.io.BinaryEncoder(out))
        return out.getvalue()

    def decode(self, data):
        """The dict of single-object bytes written with this schema (raises ValueError otherwise)."""
        if data is None or len(data) < 10 or data[:2] != MAGIC:
            raise ValueError("not Avro single-object encoding")
        if data[:10] != self.header:
            raise ValueError("written with schema %s, this reader has %s (see the avro.schema header, "
                             "docs/producing.md)" % (data[2:10][::-1].hex(), self.header[2:10][::-1].hex()))
        return self._reader.read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))
