# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

resource "aws_organizations_organization" "this" {
  feature_set                   = "ALL"
  aws_service_access_principals = ["cloudtrail.amazonaws.com", "config.amazonaws.com", "sso.amazonaws.com"]
  enabled_policy_types          = ["SERVICE_CONTROL_POLICY", "TAG_POLICY"]

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_organizations_organizational_unit" "security" {
  name      = "Security"
  parent_id = aws_organizations_organization.this.roots[0].id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}

resource "aws_organizations_organizational_unit" "infrastructure" {
  name      = "Infrastructure"
  parent_id = aws_organizations_organization.this.roots[0].id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "Workloads"
  parent_id = aws_organizations_organization.this.roots[0].id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}

resource "aws_organizations_organizational_unit" "sandbox" {
  name      = "Sandbox"
  parent_id = aws_organizations_organization.this.roots[0].id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}

resource "aws_organizations_account" "log_archive" {
  name      = "log-archive"
  email     = "aws+log-archive@example.com"
  parent_id = aws_organizations_organizational_unit.security.id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}

resource "aws_organizations_account" "audit" {
  name      = "audit"
  email     = "aws+audit@example.com"
  parent_id = aws_organizations_organizational_unit.security.id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}

resource "aws_organizations_account" "shared_services" {
  name      = "shared-services"
  email     = "aws+shared-services@example.com"
  parent_id = aws_organizations_organizational_unit.infrastructure.id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}

resource "aws_organizations_account" "development" {
  name      = "development"
  email     = "aws+development@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}

resource "aws_organizations_account" "staging" {
  name      = "staging"
  email     = "aws+staging@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id

  tags = {
    "awsorg:managed-by" = "awsorg"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}

resource "aws_organizations_account" "production" {
  name      = "production"
  email     = "aws+production@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id

  tags = {
    "awsorg:managed-by" = "awsorg"
    "environment"       = "production"
  }

  lifecycle {
    ignore_changes  = [name, email, role_name, iam_user_access_to_billing]
    prevent_destroy = true
  }
}
