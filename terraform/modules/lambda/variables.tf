variable "name" {
  description = "Name of the lake stack; the function, its role and its log group are named <name>-etl."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "The value of name must be 3-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'."
  }
}

variable "artifacts_bucket" {
  description = "Name of the bucket the function code and layer are uploaded to."
  type        = string
}

variable "function_zip" {
  description = "Path of the function code zip made by `lakectl build` (lake_etl and the contracts)."
  type        = string
}

variable "layer_zip" {
  description = "Path of the dependency layer zip made by `lakectl build`. Used when layer_arn is null."
  type        = string
  default     = null
}

variable "layer_arn" {
  description = "ARN of an existing layer that provides pyarrow for the runtime and architecture. Null: publish layer_zip."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Python runtime of the function."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "The value of runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "Instruction set of the function: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "The value of architecture must be x86_64 or arm64."
  }
}

variable "memory_mb" {
  description = "Memory of the function in MB (512-10240)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_mb >= 512 && var.memory_mb <= 10240 && floor(var.memory_mb) == var.memory_mb
    error_message = "The value of memory_mb must be a whole number between 512 and 10240."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the function in seconds (10-900)."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "The value of timeout_seconds must be a whole number between 10 and 900."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB (512-10240)."
  type        = number
  default     = 1024

  validation {
    condition     = var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240 && floor(var.ephemeral_storage_mb) == var.ephemeral_storage_mb
    error_message = "The value of ephemeral_storage_mb must be a whole number between 512 and 10240."
  }
}

variable "log_level" {
  description = "LOG_LEVEL environment variable of the function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "The value of log_level must be one of DEBUG, INFO, WARNING, ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The value of log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "max_retry_attempts" {
  description = "Retries of a failed asynchronous invocation before the event goes to the failure queue (0-2)."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.max_retry_attempts)
    error_message = "The value of max_retry_attempts must be 0, 1 or 2."
  }
}

variable "max_event_age_seconds" {
  description = "Maximum age of an event Lambda keeps retrying (60-21600 seconds)."
  type        = number
  default     = 21600

  validation {
    condition     = var.max_event_age_seconds >= 60 && var.max_event_age_seconds <= 21600
    error_message = "The value of max_event_age_seconds must be between 60 and 21600."
  }
}

variable "curated_bucket" {
  description = "Name of the curated bucket, passed to the function as CURATED_BUCKET."
  type        = string
}
