output "query_role_arn" {
  description = "ARN of the AthenaQueryRole analysts assume (<name>-athena-query)."
  value       = aws_iam_role.query.arn
}

output "query_role_name" {
  description = "Name of the AthenaQueryRole."
  value       = aws_iam_role.query.name
}

output "result_location" {
  description = "S3 URI where the workgroup writes query results (enforced)."
  value       = "s3://${var.results_bucket}/${local.results_path}"
}

output "workgroup_arn" {
  description = "ARN of the Athena workgroup."
  value       = aws_athena_workgroup.this.arn
}

output "workgroup_name" {
  description = "Name of the enforced Athena workgroup."
  value       = aws_athena_workgroup.this.name
}
