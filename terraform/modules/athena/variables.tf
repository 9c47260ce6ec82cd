variable "name" {
  description = "Name of the lake stack: the workgroup's name, and the prefix of the query role (<name>-athena-query)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The value of name must be 3-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'."
  }
}

variable "results_bucket" {
  description = "Name of the bucket Athena writes query results to (under athena/<name>/)."
  type        = string
}

variable "curated_bucket" {
  description = "Name of the curated bucket the query role may read datasets/ from."
  type        = string
}

variable "glue_database_name" {
  description = "Glue database holding the lake's tables."
  type        = string
}

variable "glue_table_names" {
  description = "Glue tables the query role may read."
  type        = list(string)
}

variable "bytes_scanned_cutoff" {
  description = "Bytes one query may scan before Athena cancels it (minimum 10 MB). Default 1 GiB."
  type        = number
  default     = 1073741824

  validation {
    condition     = var.bytes_scanned_cutoff >= 10485760
    error_message = "The value of bytes_scanned_cutoff must be at least 10485760 (10 MB), the Athena minimum."
  }
}

variable "analyst_principal_arns" {
  description = "IAM principal ARNs that may assume the query role. Empty: the account root (the principal's own IAM policy decides)."
  type        = list(string)
  default     = []
}
