# Transform: the ETL function (lake_etl), its code and dependency layer from the artifacts bucket, its
# log group, and the failure queue that keeps every event Lambda could not process. What the function
# may read and write in storage is granted by the root module (cross-system wiring).

locals {
  tags = { "lakectl:module" = "lambda" }

  function_name = "${var.name}-etl"
  # Exactly one of the two: the layer published here (layer_arn null) or the given one.
  layer_arns = concat([for l in aws_lambda_layer_version.this : l.arn], var.layer_arn == null ? [] : [var.layer_arn])
}

# ---------------------------------------------------------------------------------------------------
# Logs: created before the function, so Lambda never creates an unmanaged group without retention
# ---------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log lines hold keys, counts and error kinds, never record values; the service key is enough.
  #checkov:skip=CKV_AWS_338:Retention is a validated variable (log_retention_days, default 90); raw data, not logs, is the record.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Failure destination: events that exhaust their retries are kept here, never dropped
# ---------------------------------------------------------------------------------------------------

resource "aws_sqs_queue" "failures" {
  name                      = "${local.function_name}-failures"
  message_retention_seconds = 1209600 # 14 days, the SQS maximum
  sqs_managed_sse_enabled   = true
  tags                      = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Artifacts: uploaded to S3 (pyarrow exceeds the 50 MB direct upload limit)
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_object" "function" {
  bucket = var.artifacts_bucket
  # The key carries the artifact's hash: a new build is a new object, an old one stays addressable.
  key         = "lambda/function-${filesha256(var.function_zip)}.zip"
  source      = var.function_zip
  source_hash = filemd5(var.function_zip)
  tags        = local.tags
}

# The layer lakectl builds (pyarrow for the function's runtime and architecture), unless an existing
# layer ARN is given: a real choice, hence count.
resource "aws_s3_object" "layer" {
  count = var.layer_arn == null ? 1 : 0

  bucket      = var.artifacts_bucket
  key         = "lambda/layer-${filesha256(var.layer_zip)}.zip"
  source      = var.layer_zip
  source_hash = filemd5(var.layer_zip)
  tags        = local.tags
}

resource "aws_lambda_layer_version" "this" {
  count = var.layer_arn == null ? 1 : 0

  layer_name               = "${local.function_name}-deps"
  description              = "lake_etl runtime dependencies (pyarrow), built by lakectl build"
  s3_bucket                = aws_s3_object.layer[0].bucket
  s3_key                   = aws_s3_object.layer[0].key
  source_code_hash         = filebase64sha256(var.layer_zip)
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}

# ---------------------------------------------------------------------------------------------------
# The function
# ---------------------------------------------------------------------------------------------------

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing is not needed: one JSON log line per file carries the request id and timings.
  #checkov:skip=CKV_AWS_115:Concurrency is left to the account pool; S3 events are retried and kept in the failure queue.
  #checkov:skip=CKV_AWS_116:Asynchronous failures go to an on-failure destination (aws_lambda_function_event_invoke_config), which supersedes a DLQ.
  #checkov:skip=CKV_AWS_117:The function talks only to S3 over TLS; a VPC would need NAT or endpoints and adds nothing to the contract.
  #checkov:skip=CKV_AWS_173:The environment holds only a bucket name and a log level, no secrets.
  #checkov:skip=CKV_AWS_272:Code integrity comes from the reproducible build: source_code_hash pins the artifact's sha256.
  function_name    = local.function_name
  description      = "lake_etl: raw JSON uploads -> curated Parquet per dataset contract"
  role             = aws_iam_role.this.arn
  handler          = "lake_etl.handler.lambda_handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  s3_bucket        = aws_s3_object.function.bucket
  s3_key           = aws_s3_object.function.key
  source_code_hash = filebase64sha256(var.function_zip)
  layers           = local.layer_arns

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  environment {
    variables = {
      CURATED_BUCKET = var.curated_bucket
      LOG_LEVEL      = var.log_level
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = local.tags

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.logs,
  ]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.max_retry_attempts
  maximum_event_age_in_seconds = var.max_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }

  depends_on = [aws_iam_role_policy.failures]
}
