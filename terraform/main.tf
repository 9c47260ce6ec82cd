# Root module: module calls and the wiring between systems, nothing else (design §1).
# Modules create; the root connects them by passing outputs as inputs. No module references another.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  build_dir     = coalesce(var.build_dir, "${path.root}/../.lakectl/build")
  contracts_dir = coalesce(var.contracts_dir, "${path.root}/../contracts")

  # Raw keys the ETL accepts: uploads/<dataset>/<YYYY>/<MM>/<DD>/<file> with these extensions.
  # S3 notification filters are case-sensitive: a key ending in ".JSON" or ".Json.GZ" triggers no
  # notification at all, although the transform accepts extensions in any case. Upload with
  # lower-case extensions, or process such files with `lakectl replay`.
  accepted_suffixes = [".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz"]
  upload_prefix     = "uploads/"
}

module "s3" {
  source = "./modules/s3"

  name                           = var.name
  raw_admin_principal_arns       = var.raw_admin_principal_arns
  raw_kms_key_arn                = var.raw_kms_key_arn
  curated_expiration_days        = var.curated_expiration_days
  athena_results_expiration_days = var.athena_results_expiration_days
}

module "lambda" {
  source = "./modules/lambda"

  name                  = var.name
  artifacts_bucket      = module.s3.artifacts_bucket_id
  function_zip          = "${local.build_dir}/function.zip"
  layer_zip             = var.lambda_layer_arn == null ? "${local.build_dir}/layer.zip" : null
  layer_arn             = var.lambda_layer_arn
  runtime               = var.lambda_runtime
  architecture          = var.lambda_architecture
  memory_mb             = var.lambda_memory_mb
  timeout_seconds       = var.lambda_timeout_seconds
  ephemeral_storage_mb  = var.lambda_ephemeral_storage_mb
  log_level             = var.lambda_log_level
  log_retention_days    = var.log_retention_days
  max_retry_attempts    = var.lambda_max_retry_attempts
  max_event_age_seconds = var.lambda_max_event_age_seconds
  curated_bucket        = module.s3.curated_bucket_id
}

module "glue" {
  source = "./modules/glue"

  name                       = var.name
  contracts_dir              = local.contracts_dir
  curated_bucket             = module.s3.curated_bucket_id
  partition_projection_start = var.partition_projection_start
}

module "athena" {
  source = "./modules/athena"

  name                   = var.name
  results_bucket         = module.s3.athena_results_bucket_id
  curated_bucket         = module.s3.curated_bucket_id
  glue_database_name     = module.glue.database_name
  glue_table_names       = values(module.glue.table_names)
  bytes_scanned_cutoff   = var.athena_bytes_scanned_cutoff
  analyst_principal_arns = var.analyst_principal_arns
}

# ---------------------------------------------------------------------------------------------------
# S3 -> Lambda: raw uploads trigger the ETL
# ---------------------------------------------------------------------------------------------------

resource "aws_lambda_permission" "s3_invoke" {
  statement_id   = "AllowRawBucketInvoke"
  action         = "lambda:InvokeFunction"
  function_name  = module.lambda.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = module.s3.raw_bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = module.s3.raw_bucket_id

  # One rule per accepted suffix (S3 filters take one prefix and one suffix each; these suffixes do
  # not overlap, which S3 requires). Case-sensitive: see local.accepted_suffixes.
  dynamic "lambda_function" {
    for_each = toset(local.accepted_suffixes)
    content {
      id                  = "lake-etl${replace(lambda_function.value, ".", "-")}"
      lambda_function_arn = module.lambda.function_arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = local.upload_prefix
      filter_suffix       = lambda_function.value
    }
  }

  # S3 checks that it may invoke the function when the notification is written.
  depends_on = [aws_lambda_permission.s3_invoke]
}

# ---------------------------------------------------------------------------------------------------
# Cross-system grants: what the ETL (transform) may do in storage
# ---------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "etl_data" {
  statement {
    sid       = "ReadRawUploads"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.s3.raw_bucket_arn}/${local.upload_prefix}*"]
  }

  # Without ListBucket a missing key answers 403, not 404: the handler must tell "gone" (skipped)
  # from "denied" (an error that Lambda retries). S3 evaluates ListBucket for that without any
  # s3:prefix, so a prefix condition here would bring the 403 back.
  statement {
    sid       = "ListRaw"
    actions   = ["s3:ListBucket"]
    resources = [module.s3.raw_bucket_arn]
  }

  statement {
    sid     = "WriteCuratedAndQuarantine"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [
      "${module.s3.curated_bucket_arn}/datasets/*",
      "${module.s3.curated_bucket_arn}/quarantine/*",
    ]
  }

  # Same reason: a missing curated object must answer 404 (a stale counterpart already gone).
  statement {
    sid       = "ListCurated"
    actions   = ["s3:ListBucket"]
    resources = [module.s3.curated_bucket_arn]
  }

  dynamic "statement" {
    for_each = var.raw_kms_key_arn == null ? [] : [var.raw_kms_key_arn]
    content {
      sid       = "DecryptRaw"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "etl_data" {
  name   = "lake-data"
  role   = module.lambda.role_name
  policy = data.aws_iam_policy_document.etl_data.json
}
