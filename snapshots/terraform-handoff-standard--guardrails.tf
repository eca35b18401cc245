# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

resource "aws_organizations_policy" "deny_regions" {
  name        = "awsorg-deny-regions"
  description = "Managed by awsorg (guardrails.denyRegions): denies actions outside the allowed Regions; global services are exempt."
  type        = "SERVICE_CONTROL_POLICY"
  content     = file("${path.module}/policies/deny_regions.json")

  tags = {
    "awsorg:managed-by" = "awsorg"
    "awsorg:guardrail"  = "denyRegions"
  }
}

resource "aws_organizations_policy_attachment" "deny_regions__workloads" {
  policy_id = aws_organizations_policy.deny_regions.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_policy_attachment" "deny_regions__sandbox" {
  policy_id = aws_organizations_policy.deny_regions.id
  target_id = aws_organizations_organizational_unit.sandbox.id
}

resource "aws_organizations_policy" "deny_root" {
  name        = "awsorg-deny-root"
  description = "Managed by awsorg (guardrails.denyRoot): denies every action to the root user of member accounts."
  type        = "SERVICE_CONTROL_POLICY"
  content     = file("${path.module}/policies/deny_root.json")

  tags = {
    "awsorg:managed-by" = "awsorg"
    "awsorg:guardrail"  = "denyRoot"
  }
}

resource "aws_organizations_policy_attachment" "deny_root__workloads" {
  policy_id = aws_organizations_policy.deny_root.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_policy_attachment" "deny_root__sandbox" {
  policy_id = aws_organizations_policy.deny_root.id
  target_id = aws_organizations_organizational_unit.sandbox.id
}

resource "aws_organizations_policy" "require_mfa" {
  name        = "awsorg-require-mfa"
  description = "Managed by awsorg (guardrails.requireMfa): denies the listed actions to sessions without MFA."
  type        = "SERVICE_CONTROL_POLICY"
  content     = file("${path.module}/policies/require_mfa.json")

  tags = {
    "awsorg:managed-by" = "awsorg"
    "awsorg:guardrail"  = "requireMfa"
  }
}

resource "aws_organizations_policy_attachment" "require_mfa__workloads" {
  policy_id = aws_organizations_policy.require_mfa.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_policy" "deny_leave_organization" {
  name        = "awsorg-deny-leave-organization"
  description = "Managed by awsorg (guardrails.denyLeaveOrganization): member accounts cannot leave the organization."
  type        = "SERVICE_CONTROL_POLICY"
  content     = file("${path.module}/policies/deny_leave_organization.json")

  tags = {
    "awsorg:managed-by" = "awsorg"
    "awsorg:guardrail"  = "denyLeaveOrganization"
  }
}

resource "aws_organizations_policy_attachment" "deny_leave_organization__root" {
  policy_id = aws_organizations_policy.deny_leave_organization.id
  target_id = aws_organizations_organization.this.roots[0].id
}
