"""lake_etl: the code that runs in AWS Lambda, and nothing else.

Pure transform (stdlib + pyarrow): raw JSON -> flattened, contract-checked Parquet, or a quarantine
report. Only ``handler`` imports boto3. Never imports typer, rich or lakectl.

Arrow's memory pool: on Linux, unless ``ARROW_DEFAULT_MEMORY_POOL`` is set already, importing
lake_etl before pyarrow sets it to ``jemalloc`` (Arrow reads it once, when pyarrow loads; child
processes inherit it). The transform allocates and frees megabytes a chunk at a time; Arrow's
default mimalloc pool returns freed segments to the OS and faults them in again as 2 MiB huge
pages, which cost 0.1-0.3 s of system time per 100k records in a Firecracker VM (as Lambda runs),
measured (bench/README.md). The bytes written are the same with any pool.
"""

import os as _os
import sys as _sys

__version__ = "0.1.0"

_POOL_SET_HERE = (
    _sys.platform.startswith("linux")
    and "pyarrow" not in _sys.modules
    and "ARROW_DEFAULT_MEMORY_POOL" not in _os.environ
)
if _POOL_SET_HERE:
    _os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
