# Storage: the raw bucket (the source of truth, never modified or lost), the curated bucket (Parquet
# and quarantine reports), the Athena results bucket (expiring) and the artifacts bucket (Lambda code
# and layer). Service roles are granted access in the root module; this module only protects.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  tags = { "lakectl:module" = "s3" }

  account_id = data.aws_caller_identity.current.account_id
  suffix     = "${local.account_id}-${data.aws_region.current.region}"

  # The buckets that share the baseline (ownership, public access block, TLS-only policy).
  buckets = {
    raw       = aws_s3_bucket.raw
    curated   = aws_s3_bucket.curated
    results   = aws_s3_bucket.athena_results
    artifacts = aws_s3_bucket.artifacts
  }

  # Every role this stack creates is named "<name>-...": none of them may delete or write raw objects.
  stack_role_arn_pattern = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:role/${var.name}-*"
}

# ---------------------------------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "raw" {
  #checkov:skip=CKV_AWS_18:Server access logs belong in an organisation-wide log bucket the stack does not own; enable them there.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery decision per organisation; versioning protects against loss here.
  #checkov:skip=CKV2_AWS_61:Raw data is the source of truth and is kept; a lifecycle rule would expire it.
  #checkov:skip=CKV_AWS_145:SSE-S3 by default; set raw_kms_key_arn for SSE-KMS with a key of your own.
  bucket = "${var.name}-raw-${local.suffix}"
  tags   = local.tags
}

resource "aws_s3_bucket" "curated" {
  #checkov:skip=CKV_AWS_18:Server access logs belong in an organisation-wide log bucket the stack does not own; enable them there.
  #checkov:skip=CKV_AWS_144:Curated data is rebuilt from raw with `lakectl replay`; it needs no replica.
  #checkov:skip=CKV_AWS_145:SSE-S3 is enough for data derived from raw; the raw bucket takes a KMS key (raw_kms_key_arn).
  #checkov:skip=CKV2_AWS_62:Nothing reacts to curated writes; Athena reads through partition projection.
  #checkov:skip=CKV2_AWS_61:Expiry is optional (curated_expiration_days) because curated data is kept by default.
  bucket = "${var.name}-curated-${local.suffix}"
  tags   = local.tags
}

resource "aws_s3_bucket" "athena_results" {
  #checkov:skip=CKV_AWS_18:Server access logs belong in an organisation-wide log bucket the stack does not own; enable them there.
  #checkov:skip=CKV_AWS_144:Query results are transient and expire; they need no replica.
  #checkov:skip=CKV_AWS_145:Athena writes its results with SSE-S3, enforced by the workgroup.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to query results.
  #checkov:skip=CKV_AWS_21:Query results are transient and expire; versions would only keep them longer.
  bucket        = "${var.name}-athena-results-${local.suffix}"
  force_destroy = true
  tags          = local.tags
}

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_18:Server access logs belong in an organisation-wide log bucket the stack does not own; enable them there.
  #checkov:skip=CKV_AWS_144:Artifacts are rebuilt reproducibly by `lakectl build`; they need no replica.
  #checkov:skip=CKV_AWS_145:Artifacts are code, not data; SSE-S3 is enough.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to artifact uploads; Terraform deploys them.
  bucket        = "${var.name}-artifacts-${local.suffix}"
  force_destroy = true
  tags          = local.tags
}

# ---------------------------------------------------------------------------------------------------
# Baseline for every bucket: owner-enforced, no public access, TLS only
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "tls_only" {
  for_each = local.buckets

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

# The raw bucket's policy adds the storage contract to the TLS rule: raw objects are never deleted or
# overwritten by the stack's service roles, and nobody but the named admins deletes them at all.
data "aws_iam_policy_document" "raw" {
  source_policy_documents = [data.aws_iam_policy_document.tls_only["raw"].json]

  statement {
    sid       = "DenyStackRolesWriteRaw"
    effect    = "Deny"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold"]
    resources = ["${aws_s3_bucket.raw.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:PrincipalArn"
      values   = [local.stack_role_arn_pattern]
    }
  }

  statement {
    sid       = "DenyDeleteRawExceptAdmins"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = [aws_s3_bucket.raw.arn, "${aws_s3_bucket.raw.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    # No admins named: the deny holds for everyone.
    dynamic "condition" {
      for_each = length(var.raw_admin_principal_arns) > 0 ? [var.raw_admin_principal_arns] : []
      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.buckets

  bucket = each.value.id
  policy = each.key == "raw" ? data.aws_iam_policy_document.raw.json : data.aws_iam_policy_document.tls_only[each.key].json

  # A policy that names a bucket must not race the public access block on it.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# ---------------------------------------------------------------------------------------------------
# Versioning and encryption
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_bucket_versioning" "raw" {
  bucket = aws_s3_bucket.raw.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "curated" {
  bucket = aws_s3_bucket.curated.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "raw" {
  bucket = aws_s3_bucket.raw.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.raw_kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.raw_kms_key_arn
    }
    bucket_key_enabled = var.raw_kms_key_arn != null
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = { for k, b in local.buckets : k => b if k != "raw" }

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------------

resource "aws_s3_bucket_lifecycle_configuration" "athena_results" {
  bucket = aws_s3_bucket.athena_results.id

  rule {
    id     = "expire-query-results"
    status = "Enabled"

    filter {}

    expiration {
      days = var.athena_results_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "expire-old-artifact-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Curated data is kept unless curated_expiration_days is set: one optional rule, hence count.
resource "aws_s3_bucket_lifecycle_configuration" "curated" {
  count = var.curated_expiration_days == null ? 0 : 1

  bucket = aws_s3_bucket.curated.id

  rule {
    id     = "expire-curated"
    status = "Enabled"

    filter {
      prefix = "datasets/"
    }

    expiration {
      days = var.curated_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}
