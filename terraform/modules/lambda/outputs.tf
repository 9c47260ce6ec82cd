output "failure_queue_arn" {
  description = "ARN of the SQS queue that keeps events the function failed on after its retries."
  value       = aws_sqs_queue.failures.arn
}

output "failure_queue_url" {
  description = "URL of the failure queue (to inspect or redrive failed events)."
  value       = aws_sqs_queue.failures.url
}

output "function_arn" {
  description = "ARN of the ETL function."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  description = "Name of the ETL function (<name>-etl)."
  value       = aws_lambda_function.this.function_name
}

output "layer_arns" {
  description = "Layer version ARNs attached to the function."
  value       = local.layer_arns
}

output "log_group_name" {
  description = "Name of the function's log group (/aws/lambda/<name>-etl)."
  value       = aws_cloudwatch_log_group.this.name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role; the root attaches the storage grants to it."
  value       = aws_iam_role.this.name
}

output "source_code_hash" {
  description = "Base64 sha256 of the deployed function zip (compare with the CodeSha256 Lambda reports)."
  value       = aws_lambda_function.this.source_code_hash
}
