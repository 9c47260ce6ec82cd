output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (Lambda code and layer), arn:aws:s3:::<bucket>."
  value       = aws_s3_bucket.artifacts.arn
}

output "artifacts_bucket_id" {
  description = "Name of the artifacts bucket (Lambda code and layer)."
  value       = aws_s3_bucket.artifacts.id
}

output "athena_results_bucket_arn" {
  description = "ARN of the Athena query results bucket."
  value       = aws_s3_bucket.athena_results.arn
}

output "athena_results_bucket_id" {
  description = "Name of the Athena query results bucket."
  value       = aws_s3_bucket.athena_results.id
}

output "curated_bucket_arn" {
  description = "ARN of the curated bucket (datasets/ Parquet, quarantine/ reports)."
  value       = aws_s3_bucket.curated.arn
}

output "curated_bucket_id" {
  description = "Name of the curated bucket."
  value       = aws_s3_bucket.curated.id
}

output "raw_bucket_arn" {
  description = "ARN of the raw bucket (uploads/), arn:aws:s3:::<bucket>."
  value       = aws_s3_bucket.raw.arn
}

output "raw_bucket_id" {
  description = "Name of the raw bucket."
  value       = aws_s3_bucket.raw.id
}
