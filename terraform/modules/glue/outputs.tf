output "crawler_names" {
  description = "Crawler name per table, keyed <dataset>_v<N>."
  value       = { for k, c in aws_glue_crawler.this : k => c.name }
}

output "crawler_role_arns" {
  description = "Crawler role ARN per table, keyed <dataset>_v<N>."
  value       = { for k, r in aws_iam_role.crawler : k => r.arn }
}

output "database_name" {
  description = "Name of the Glue database that holds the tables."
  value       = aws_glue_catalog_database.this.name
}

output "table_names" {
  description = "Glue table name per dataset contract version, keyed <dataset>_v<N> (the name equals the key)."
  value       = { for k, t in aws_glue_catalog_table.this : k => t.name }
}

output "table_locations" {
  description = "S3 location per table, keyed <dataset>_v<N>: s3://<curated>/datasets/<dataset>/v<N>/."
  value       = local.location
}
