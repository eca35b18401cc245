# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

output "account_ids" {
  description = "Account ids by blueprint account name."
  value = {
    "log-archive"     = aws_organizations_account.log_archive.id
    "audit"           = aws_organizations_account.audit.id
    "shared-services" = aws_organizations_account.shared_services.id
    "development"     = aws_organizations_account.development.id
    "staging"         = aws_organizations_account.staging.id
    "production"      = aws_organizations_account.production.id
  }
}

output "organizational_unit_ids" {
  description = "OU ids by path from the root."
  value = {
    "Security"       = aws_organizations_organizational_unit.security.id
    "Infrastructure" = aws_organizations_organizational_unit.infrastructure.id
    "Workloads"      = aws_organizations_organizational_unit.workloads.id
    "Sandbox"        = aws_organizations_organizational_unit.sandbox.id
  }
}

output "state_bucket" {
  description = "The Terraform state bucket."
  value       = aws_s3_bucket.state.bucket
}

output "lock_table" {
  description = "The DynamoDB lock table."
  value       = aws_dynamodb_table.lock.name
}

output "deploy_role_arn" {
  description = "The role CI assumes through OIDC."
  value       = aws_iam_role.deploy.arn
}

output "trail_arn" {
  description = "The organization CloudTrail trail."
  value       = aws_cloudtrail.organization.arn
}

output "trail_bucket" {
  description = "The trail's log bucket."
  value       = aws_s3_bucket.trail.bucket
}
