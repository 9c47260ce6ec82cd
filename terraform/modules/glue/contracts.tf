# Contracts -> tables. The dataset contracts (contracts/datasets/<dataset>/v<N>.json) are the single
# source of truth for the Glue schema: this file reads them and computes every table's name, columns
# and location. It uses no provider and no resource, so the tests evaluate it with the real Terraform
# binary and compare the columns with the contracts (tests/terraform/test_glue_contracts.py).

locals {
  database_name = replace(var.name, "-", "_")

  contract_files = sort(fileset(var.contracts_dir, "datasets/*/v*.json"))
  contracts      = [for f in local.contract_files : jsondecode(file("${var.contracts_dir}/${f}"))]

  # "<dataset>_v<N>" => contract: the table name and the for_each key of every per-table resource.
  tables = { for c in local.contracts : "${c.dataset}_v${c.version}" => c }

  # The one type map. Contract types are already Glue/Athena names (design §4): each scalar maps to
  # itself, decimal(p,s) is kept, array<T> keeps its form when T is one of the scalars.
  # Anything else maps to "" and fails the table's precondition.
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
  # Spelling is normalised first, as lake_etl does: lower case, no whitespace ("Array< String >").
  contract_types = distinct(flatten([for c in local.contracts : [for col in c.columns : col.type]]))
  normalised     = { for t in local.contract_types : t => lower(replace(t, "/\\s+/", "")) }
  element_types  = { for t, n in local.normalised : t => trimsuffix(trimprefix(n, "array<"), ">") }
  glue_type = {
    for t, n in local.normalised : t => (
      can(regex("^decimal\\([0-9]+,[0-9]+\\)$", n)) ? n :
      can(regex("^array<.+>$", n)) ? (
        lookup(local.scalar_types, local.element_types[t], "") != "" ||
        can(regex("^decimal\\([0-9]+,[0-9]+\\)$", local.element_types[t])) ? n : ""
      ) :
      lookup(local.scalar_types, n, "")
    )
  }

  columns = {
    for k, c in local.tables : k => [
      for col in c.columns : {
        name    = col.name
        type    = local.glue_type[col.type]
        comment = lookup(col, "description", null)
      }
    ]
  }

  location = { for k, c in local.tables : k => "s3://${var.curated_bucket}/datasets/${c.dataset}/v${c.version}/" }
}
