output "artifacts_bucket" {
  description = "Name of the bucket holding the Lambda code and layer."
  value       = module.s3.artifacts_bucket_id
}

output "athena_query_role_arn" {
  description = "ARN of the role analysts assume to query the lake."
  value       = module.athena.query_role_arn
}

output "athena_results_bucket" {
  description = "Name of the Athena query results bucket."
  value       = module.s3.athena_results_bucket_id
}

output "athena_workgroup" {
  description = "Name of the enforced Athena workgroup."
  value       = module.athena.workgroup_name
}

output "curated_bucket" {
  description = "Name of the curated bucket (datasets/ and quarantine/)."
  value       = module.s3.curated_bucket_id
}

output "failure_queue_url" {
  description = "URL of the SQS queue holding S3 events the ETL failed on after its retries."
  value       = module.lambda.failure_queue_url
}

output "glue_crawlers" {
  description = "Glue crawler name per table, keyed <dataset>_v<N>."
  value       = module.glue.crawler_names
}

output "glue_database" {
  description = "Name of the Glue database."
  value       = module.glue.database_name
}

output "glue_tables" {
  description = "Glue table name per dataset contract version, keyed <dataset>_v<N>."
  value       = module.glue.table_names
}

output "lambda_function_name" {
  description = "Name of the ETL Lambda function."
  value       = module.lambda.function_name
}

output "lambda_log_group" {
  description = "Log group of the ETL function."
  value       = module.lambda.log_group_name
}

output "lambda_role_arn" {
  description = "ARN of the ETL function's execution role."
  value       = module.lambda.role_arn
}

output "raw_bucket" {
  description = "Name of the raw bucket; upload to s3://<raw_bucket>/uploads/<dataset>/<YYYY>/<MM>/<DD>/<file>."
  value       = module.s3.raw_bucket_id
}
