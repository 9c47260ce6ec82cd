# One role per crawler, scoped to its own table: read its prefix in the curated bucket, read and
# partition its table, and write logs to the account's /aws-glue/crawlers group (which the stack does
# not own). No AWS managed policy: AWSGlueServiceRole grants glue:* and more on *.

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "GlueAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "crawler" {
  for_each = local.tables

  name               = "${var.name}-crawler-${replace(each.key, "_", "-")}"
  description        = "Glue crawler for ${each.key} (catalog contract)"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "crawler" {
  for_each = local.tables

  statement {
    sid       = "ReadTablePrefix"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.curated_bucket}/datasets/${each.value.dataset}/v${each.value.version}/*"]
  }

  statement {
    sid       = "ListTablePrefix"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.curated_bucket}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["datasets/${each.value.dataset}/v${each.value.version}/*"]
    }
  }

  statement {
    sid = "CatalogTable"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:UpdateTable",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
      "glue:UpdatePartition",
      "glue:BatchUpdatePartition",
    ]
    resources = [
      "${local.arn_prefix}:catalog",
      "${local.arn_prefix}:database/${local.database_name}",
      "${local.arn_prefix}:table/${local.database_name}/${each.key}",
    ]
  }

  statement {
    sid       = "CrawlerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.crawler_log, "${local.crawler_log}:*"]
  }
}

resource "aws_iam_role_policy" "crawler" {
  for_each = local.tables

  name   = "crawl-${replace(each.key, "_", "-")}"
  role   = aws_iam_role.crawler[each.key].id
  policy = data.aws_iam_policy_document.crawler[each.key].json
}
