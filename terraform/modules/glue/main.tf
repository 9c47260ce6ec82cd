# Catalog: one Glue table per dataset contract version (Terraform owns the schema: the columns come
# from contracts/datasets/<dataset>/v<N>.json), and one crawler per table that only *logs* schema
# disagreements (catalog target, LOG/LOG), so it can never rewrite what the contract says.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  tags = { "lakectl:module" = "glue" }

  account_id  = data.aws_caller_identity.current.account_id
  arn_prefix  = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${local.account_id}"
  crawler_log = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${local.account_id}:log-group:/aws-glue/crawlers"
}

resource "aws_glue_catalog_database" "this" {
  name        = local.database_name
  description = "lakectl data lake ${var.name}: one table per dataset contract version"
  tags        = local.tags
}

resource "aws_glue_catalog_table" "this" {
  for_each = local.tables

  name          = each.key
  database_name = aws_glue_catalog_database.this.name
  description   = try(each.value.description, null)
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                      = "TRUE"
    classification                = "parquet"
    "parquet.compression"         = "SNAPPY"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy-MM-dd"
    "projection.dt.range"         = "${var.partition_projection_start},NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "DAYS"
    "storage.location.template"   = "${local.location[each.key]}dt=$${dt}/"
    "lakectl.contract"            = "datasets/${each.value.dataset}/v${each.value.version}.json"
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "ingestion date of the raw upload (YYYY-MM-DD)"
  }

  storage_descriptor {
    location      = local.location[each.key]
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters = {
        "serialization.format" = "1"
      }
    }

    dynamic "columns" {
      for_each = local.columns[each.key]
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for col in local.columns[each.key] : col.type != ""])
      error_message = "Contract datasets/${each.value.dataset}/v${each.value.version}.json has a column type that is not a Glue type (string boolean int bigint float double decimal(p,s) date timestamp array<T>)."
    }
  }
}

resource "aws_glue_crawler" "this" {
  #checkov:skip=CKV_AWS_195:The crawler writes no data (catalog target, LOG/LOG) and logs to the account's /aws-glue/crawlers group; a security configuration would encrypt nothing it writes.
  for_each = local.tables

  name          = "${var.name}-${replace(each.key, "_", "-")}"
  description   = "Reports schema disagreements of ${each.key} with its contract; never changes the table"
  database_name = aws_glue_catalog_database.this.name
  role          = aws_iam_role.crawler[each.key].arn

  catalog_target {
    database_name = aws_glue_catalog_database.this.name
    tables        = [aws_glue_catalog_table.this[each.key].name]
  }

  schema_change_policy {
    delete_behavior = "LOG"
    update_behavior = "LOG"
  }

  configuration = jsonencode({
    Version = 1.0
    CrawlerOutput = {
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
    }
  })

  tags = local.tags
}
