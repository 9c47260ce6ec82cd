# AthenaQueryRole: what an analyst needs to query the lake through the workgroup, and nothing more:
# run queries in this workgroup, read the catalog and the curated datasets, read and write results.

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "AnalystsAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = local.trusted_roots
    }
  }
}

resource "aws_iam_role" "query" {
  name               = "${var.name}-athena-query"
  description        = "Analysts query the lake through the ${var.name} Athena workgroup (query contract)"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "query" {
  statement {
    sid = "QueryInWorkgroup"
    actions = [
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetQueryResultsStream",
      "athena:BatchGetQueryExecution",
      "athena:ListQueryExecutions",
      "athena:GetWorkGroup",
    ]
    resources = [aws_athena_workgroup.this.arn]
  }

  statement {
    sid = "ReadCatalog"
    actions = [
      "glue:GetDatabase",
      "glue:GetDatabases",
      "glue:GetTable",
      "glue:GetTables",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = concat(
      [
        "${local.glue_prefix}:catalog",
        "${local.glue_prefix}:database/${var.glue_database_name}",
      ],
      [for t in var.glue_table_names : "${local.glue_prefix}:table/${var.glue_database_name}/${t}"],
    )
  }

  statement {
    sid       = "ReadCuratedDatasets"
    actions   = ["s3:GetObject"]
    resources = ["${local.curated_arn}/datasets/*"]
  }

  statement {
    sid       = "ListCuratedDatasets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.curated_arn]
  }

  statement {
    sid = "ReadWriteResults"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = ["${local.results_arn}/${local.results_path}*"]
  }

  statement {
    sid       = "ListResults"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = [local.results_arn]
  }
}

resource "aws_iam_role_policy" "query" {
  name   = "query-lake"
  role   = aws_iam_role.query.id
  policy = data.aws_iam_policy_document.query.json
}
