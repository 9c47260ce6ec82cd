variable "name" {
  description = "Name of the lake stack; the database is <name> with '-' replaced by '_', crawlers and roles are prefixed <name>-."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The value of name must be 3-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'."
  }
}

variable "contracts_dir" {
  description = "Directory holding datasets/<dataset>/v<N>.json; one table and one crawler per contract file."
  type        = string
}

variable "curated_bucket" {
  description = "Name of the curated bucket; table locations are s3://<curated_bucket>/datasets/<dataset>/v<N>/."
  type        = string
}

variable "partition_projection_start" {
  description = "First date (YYYY-MM-DD) of the dt partition projection range (which ends at NOW)."
  type        = string
  default     = "2024-01-01"

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.partition_projection_start))
    error_message = "The value of partition_projection_start must be a date YYYY-MM-DD."
  }
}
