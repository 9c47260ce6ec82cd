"""Which Parquet columns the transform dictionary-encodes: those whose values repeat (decided from
the first rows of the data, so the same bytes whichever path read them)."""

import io
import json

import pyarrow.parquet as pq
from lake_etl.contract import parse_contract
from lake_etl.transform import transform

CONTRACT = {
    "dataset": "dict",
    "version": 1,
    "on_error": "reject_record",
    "columns": [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "country", "type": "string"},
        {"name": "email", "type": "string"},
        {"name": "tags", "type": "array<string>"},
        {"name": "note", "type": "string"},
    ],
}


def encodings(raw: bytes) -> dict[str, set[str]]:
    contract = parse_contract(json.dumps(CONTRACT).encode(), "v1.json")
    sink = io.BytesIO()
    result = transform(raw, contract, "uploads/dict/2026/11/27/f.jsonl", sink)
    assert result.wrote_parquet and not result.errors
    md = pq.ParquetFile(io.BytesIO(sink.getvalue())).metadata.row_group(0)
    return {md.column(i).path_in_schema: set(md.column(i).encodings) for i in range(md.num_columns)}


def test_repeating_columns_dictionary_encoded_unique_ones_plain():
    lines = [
        json.dumps({"id": i, "country": ["FR", "DE", "PL"][i % 3], "email": f"user{i}@example.com",
                    "tags": ["a", "b"][: i % 3], "note": None})
        for i in range(6000)
    ]
    enc = encodings(("\n".join(lines) + "\n").encode())
    assert "RLE_DICTIONARY" in enc["country"]
    assert "RLE_DICTIONARY" in enc["tags.list.element"]
    assert "RLE_DICTIONARY" in enc["note"]  # no values yet: Arrow's default kept
    assert "RLE_DICTIONARY" not in enc["id"]
    assert "RLE_DICTIONARY" not in enc["email"]


def test_the_decision_follows_the_data_not_the_column_name():
    lines = [json.dumps({"id": i % 4, "country": f"C{i}", "email": "same@example.com", "tags": [str(i)]})
             for i in range(3000)]
    enc = encodings(("\n".join(lines) + "\n").encode())
    assert "RLE_DICTIONARY" in enc["id"] and "RLE_DICTIONARY" in enc["email"]
    assert "RLE_DICTIONARY" not in enc["country"] and "RLE_DICTIONARY" not in enc["tags.list.element"]


def test_the_writer_writes_what_pyarrow_parquet_writes():
    """lake_etl opens Arrow's Parquet writer without importing pyarrow.parquet; with the same
    settings, the file is byte for byte what pyarrow.parquet.ParquetWriter writes."""
    import pyarrow as pa
    from lake_etl.transform import open_parquet_writer

    contract = parse_contract(json.dumps(CONTRACT).encode(), "v1.json")
    schema = contract.arrow_schema()
    table = pa.table(
        {"id": pa.array(range(3000), pa.int64()), "country": [["FR", "DE"][i % 2] for i in range(3000)],
         "email": [f"u{i}@x.test" for i in range(3000)], "tags": [["a"] * (i % 3) for i in range(3000)],
         "note": [None] * 3000},
        schema=schema,
    )
    ours, theirs = io.BytesIO(), io.BytesIO()
    w = open_parquet_writer(ours, schema, ["country", "tags.list.element"])
    w.write_table(table, row_group_size=1000)
    w.add_key_value_metadata({"k": "v"})
    w.close()
    w = pq.ParquetWriter(theirs, schema, compression="snappy", version="2.6", write_statistics=True,
                         use_dictionary=["country", "tags.list.element"])
    w.write_table(table, row_group_size=1000)
    w.add_key_value_metadata({"k": "v"})
    w.close()
    assert ours.getvalue() == theirs.getvalue()
    assert pq.ParquetFile(io.BytesIO(ours.getvalue())).metadata.num_row_groups == 3
