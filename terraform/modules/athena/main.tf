# Query: an enforced Athena workgroup (users cannot override its result location, encryption or
# bytes-scanned cutoff) and a role analysts assume to query the lake through it.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  tags = { "lakectl:module" = "athena" }

  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  results_arn   = "arn:${local.partition}:s3:::${var.results_bucket}"
  curated_arn   = "arn:${local.partition}:s3:::${var.curated_bucket}"
  results_path  = "athena/${var.name}/"
  glue_prefix   = "arn:${local.partition}:glue:${data.aws_region.current.region}:${local.account_id}"
  trusted_roots = length(var.analyst_principal_arns) > 0 ? var.analyst_principal_arns : ["arn:${local.partition}:iam::${local.account_id}:root"]
}

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "lakectl data lake ${var.name}: enforced result location, encryption and scan cutoff"
  state         = "ENABLED"
  force_destroy = true

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${var.results_bucket}/${local.results_path}"
      expected_bucket_owner = local.account_id

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }

  tags = local.tags
}
