# Catalog: one Glue table per dataset contract version (Terraform owns the schema: the columns come
# from contracts/datasets/<dataset>/v<N>.json), and one crawler per table that only *logs* schema
# disagreements (catalog target, LOG/LOG), so it can never rewrite what the contract says.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  tags = { "lakectl:module" = "glue" }

  database_name = replace(var.name, "-", "_")

  contract_files = fileset(var.contracts_dir, "datasets/*/v*.json")
  contracts = [
    for f in sort(local.contract_files) : jsondecode(file("${var.contracts_dir}/${f}"))
  ]
  # "<dataset>_v<N>" => contract: the table name and the for_each key of every per-table resource.
  tables = { for c in local.contracts : "${c.dataset}_v${c.version}" => c }

  # The one type map. Contract types are already Glue/Athena names (design §4): scalars map to
  # themselves, decimal(p,s) is kept as written, array<T> maps its element type. Anything else maps
  # to "" and fails the table's precondition.
  scalar_types = {
    string    = "string"
    boolean   = "boolean"
    int       = "int"
    bigint    = "bigint"
    float     = "float"
    double    = "double"
    date      = "date"
    timestamp = "timestamp"
  }
  glue_type = {
    for t in distinct(flatten([for c in local.contracts : [for col in c.columns : col.type]])) :
    t => (
      can(regex("^decimal\\([0-9]+,[0-9]+\\)$", t)) ? t :
      can(regex("^array<.+>$", t)) ? (
        lookup(local.scalar_types, trimsuffix(trimprefix(t, "array<"), ">"), "") == "" &&
        !can(regex("^decimal\\([0-9]+,[0-9]+\\)$", trimsuffix(trimprefix(t, "array<"), ">"))) ? "" : t
      ) :
      lookup(local.scalar_types, t, "")
    )
  }

  location = { for k, c in local.tables : k => "s3://${var.curated_bucket}/datasets/${c.dataset}/v${c.version}/" }

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
      for_each = each.value.columns
      content {
        name    = columns.value.name
        type    = local.glue_type[columns.value.type]
        comment = try(columns.value.description, null)
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for col in each.value.columns : local.glue_type[col.type] != ""])
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
