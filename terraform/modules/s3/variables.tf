variable "name" {
  description = "Name of the lake stack: prefix of the bucket names (<name>-<purpose>-<account>-<region>) and of the stack's role names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The value of name must be 3-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'."
  }
}

variable "raw_admin_principal_arns" {
  description = "IAM principal ARNs (wildcards allowed) that may delete objects and object versions in the raw bucket. Empty: nobody may."
  type        = list(string)
  default     = []
}

variable "raw_kms_key_arn" {
  description = "KMS key ARN for the raw bucket's default encryption (SSE-KMS with a bucket key). Null: SSE-S3."
  type        = string
  default     = null
}

variable "curated_expiration_days" {
  description = "Expire objects under datasets/ in the curated bucket after this many days. Null: keep them."
  type        = number
  default     = null

  validation {
    condition     = var.curated_expiration_days == null || try(var.curated_expiration_days >= 1, false)
    error_message = "The value of curated_expiration_days must be >= 1 or null."
  }
}

variable "athena_results_expiration_days" {
  description = "Days after which Athena query results expire."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_expiration_days >= 1 && var.athena_results_expiration_days <= 3650
    error_message = "The value of athena_results_expiration_days must be between 1 and 3650."
  }
}
