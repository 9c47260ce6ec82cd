# ---------------------------------------------------------------------------------------------------
# Stack
# ---------------------------------------------------------------------------------------------------

variable "name" {
  description = "Name of the lake stack: prefix of every resource name and value of the lakectl:stack tag. Lower-case letters, digits and hyphens, 3-20 characters, starting with a letter and not ending with '-'."
  type        = string
  default     = "lakectl"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The value of name must be 3-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (it is part of S3 bucket names)."
  }
}

variable "region" {
  description = "AWS region the stack is deployed to."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "The value of region must be an AWS region name such as eu-west-1."
  }
}

variable "tags" {
  description = "Extra tags for every taggable resource (merged into the provider's default_tags; lakectl:stack is always set from var.name)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Storage (modules/s3)
# ---------------------------------------------------------------------------------------------------

variable "raw_admin_principal_arns" {
  description = "IAM principal ARNs (wildcards allowed, e.g. arn:aws:iam::123456789012:role/LakeAdmin) that may delete objects and object versions in the raw bucket. Empty: nobody may (the raw bucket policy denies deletes to everyone else)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.raw_admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a))])
    error_message = "The value of raw_admin_principal_arns must hold IAM ARNs (arn:aws:iam::<account>:...)."
  }
}

variable "raw_kms_key_arn" {
  description = "KMS key ARN for the raw bucket's default encryption (SSE-KMS with a bucket key). Null: SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.raw_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.raw_kms_key_arn))
    error_message = "The value of raw_kms_key_arn must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "curated_expiration_days" {
  description = "Expire curated objects after this many days (a lifecycle rule on the curated bucket). Null: keep them."
  type        = number
  default     = null

  validation {
    condition     = var.curated_expiration_days == null || try(var.curated_expiration_days >= 1 && floor(var.curated_expiration_days) == var.curated_expiration_days, false)
    error_message = "The value of curated_expiration_days must be a whole number of days >= 1, or null."
  }
}

variable "athena_results_expiration_days" {
  description = "Days after which Athena query results expire in the results bucket."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_expiration_days >= 1 && var.athena_results_expiration_days <= 3650 && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    error_message = "The value of athena_results_expiration_days must be a whole number between 1 and 3650."
  }
}

# ---------------------------------------------------------------------------------------------------
# Transform (modules/lambda)
# ---------------------------------------------------------------------------------------------------

variable "build_dir" {
  description = "Directory holding the artifacts `lakectl build` makes (function.zip, layer.zip). Null: <project>/.lakectl/build."
  type        = string
  default     = null
}

variable "lambda_layer_arn" {
  description = "ARN of an existing layer that provides pyarrow for the function's runtime and architecture (e.g. AWS's AWSSDKPandas layer). Null: publish the layer `lakectl build` made (build_dir/layer.zip)."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.lambda_layer_arn))
    error_message = "The value of lambda_layer_arn must be a versioned layer ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>) or null."
  }
}

variable "lambda_runtime" {
  description = "Python runtime of the ETL function (the layer must be built for it)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.lambda_runtime)
    error_message = "The value of lambda_runtime must be python3.12 or python3.13 (Amazon Linux 2023 runtimes the layer is built for)."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the ETL function (the layer must be built for it)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "The value of lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the ETL function in MB (also scales its CPU). pyarrow needs at least 512."
  type        = number
  default     = 1024

  validation {
    condition     = var.lambda_memory_mb >= 512 && var.lambda_memory_mb <= 10240 && floor(var.lambda_memory_mb) == var.lambda_memory_mb
    error_message = "The value of lambda_memory_mb must be a whole number between 512 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the ETL function in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.lambda_timeout_seconds >= 10 && var.lambda_timeout_seconds <= 900 && floor(var.lambda_timeout_seconds) == var.lambda_timeout_seconds
    error_message = "The value of lambda_timeout_seconds must be a whole number between 10 and 900."
  }
}

variable "lambda_ephemeral_storage_mb" {
  description = "Size of the ETL function's /tmp in MB."
  type        = number
  default     = 1024

  validation {
    condition     = var.lambda_ephemeral_storage_mb >= 512 && var.lambda_ephemeral_storage_mb <= 10240 && floor(var.lambda_ephemeral_storage_mb) == var.lambda_ephemeral_storage_mb
    error_message = "The value of lambda_ephemeral_storage_mb must be a whole number between 512 and 10240."
  }
}

variable "lambda_log_level" {
  description = "LOG_LEVEL of the ETL function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.lambda_log_level)
    error_message = "The value of lambda_log_level must be one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the ETL function's log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The value of log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "lambda_max_retry_attempts" {
  description = "Retries of a failed asynchronous invocation (S3 events) before the event goes to the failure queue."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.lambda_max_retry_attempts)
    error_message = "The value of lambda_max_retry_attempts must be 0, 1 or 2."
  }
}

variable "lambda_max_event_age_seconds" {
  description = "Maximum age of an S3 event Lambda keeps retrying before it goes to the failure queue."
  type        = number
  default     = 21600

  validation {
    condition     = var.lambda_max_event_age_seconds >= 60 && var.lambda_max_event_age_seconds <= 21600
    error_message = "The value of lambda_max_event_age_seconds must be between 60 and 21600."
  }
}

# ---------------------------------------------------------------------------------------------------
# Catalog (modules/glue)
# ---------------------------------------------------------------------------------------------------

variable "contracts_dir" {
  description = "Directory holding datasets/<dataset>/v<N>.json, the dataset contracts the Glue tables are built from. Null: <project>/contracts (path.root/../contracts)."
  type        = string
  default     = null
}

variable "partition_projection_start" {
  description = "First ingestion date (YYYY-MM-DD) the dt partition projection covers; the range ends at NOW."
  type        = string
  default     = "2024-01-01"

  validation {
    condition     = can(formatdate("YYYY-MM-DD", "${var.partition_projection_start}T00:00:00Z"))
    error_message = "The value of partition_projection_start must be a date YYYY-MM-DD."
  }
}

# ---------------------------------------------------------------------------------------------------
# Query (modules/athena)
# ---------------------------------------------------------------------------------------------------

variable "athena_bytes_scanned_cutoff" {
  description = "Bytes one query may scan in the workgroup before Athena cancels it (minimum 10 MB). Default 1 GiB."
  type        = number
  default     = 1073741824

  validation {
    condition     = var.athena_bytes_scanned_cutoff >= 10485760
    error_message = "The value of athena_bytes_scanned_cutoff must be at least 10485760 (10 MB), the Athena minimum."
  }
}

variable "analyst_principal_arns" {
  description = "IAM principal ARNs that may assume the Athena query role. Empty: the account root, i.e. any principal of this account whose own IAM policy allows sts:AssumeRole on the role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.analyst_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:", a))])
    error_message = "The value of analyst_principal_arns must hold IAM or STS ARNs."
  }
}
