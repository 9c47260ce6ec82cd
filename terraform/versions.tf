terraform {
  # Terraform >= 1.5: check blocks, import blocks and the string functions the modules use.
  # The S3 backend's use_lockfile (see backend.tf.example) needs Terraform >= 1.11.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The major version whose schema lakectl's offline check knows (provider 6.25.0).
      version = ">= 6.0, < 7.0"
    }
  }
}
