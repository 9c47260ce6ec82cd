"""lakectl: ship and check a Terraform-managed serverless data lake on AWS."""

__version__ = "0.1.0"
