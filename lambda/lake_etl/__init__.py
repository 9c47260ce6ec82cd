"""lake_etl: the code that runs in AWS Lambda, and nothing else.

Pure transform (stdlib + pyarrow): raw JSON -> flattened, contract-checked Parquet, or a quarantine
report. Only ``handler`` imports boto3. Never imports typer, rich or lakectl.
"""

__version__ = "0.1.0"
