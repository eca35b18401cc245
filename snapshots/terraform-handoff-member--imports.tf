# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

import {
  to = aws_organizations_organization.this
  id = "o-abcde12345"
}

import {
  to = aws_organizations_organizational_unit.security
  id = "ou-ab12-00000000"
}

import {
  to = aws_organizations_organizational_unit.infrastructure
  id = "ou-ab12-00000001"
}

import {
  to = aws_organizations_organizational_unit.workloads
  id = "ou-ab12-00000002"
}

import {
  to = aws_organizations_organizational_unit.sandbox
  id = "ou-ab12-00000003"
}

import {
  to = aws_organizations_account.log_archive
  id = "100000000000"
}

import {
  to = aws_organizations_account.audit
  id = "100000000001"
}

import {
  to = aws_organizations_account.shared_services
  id = "100000000002"
}

import {
  to = aws_organizations_account.development
  id = "100000000003"
}

import {
  to = aws_organizations_account.staging
  id = "100000000004"
}

import {
  to = aws_organizations_account.production
  id = "100000000005"
}

import {
  to = aws_organizations_policy.deny_regions
  id = "p-00000000"
}

import {
  to = aws_organizations_policy_attachment.deny_regions__workloads
  id = "ou-ab12-00000002:p-00000000"
}

import {
  to = aws_organizations_policy_attachment.deny_regions__sandbox
  id = "ou-ab12-00000003:p-00000000"
}

import {
  to = aws_organizations_policy.deny_root
  id = "p-00000001"
}

import {
  to = aws_organizations_policy_attachment.deny_root__workloads
  id = "ou-ab12-00000002:p-00000001"
}

import {
  to = aws_organizations_policy_attachment.deny_root__sandbox
  id = "ou-ab12-00000003:p-00000001"
}

import {
  to = aws_organizations_policy.require_mfa
  id = "p-00000002"
}

import {
  to = aws_organizations_policy_attachment.require_mfa__workloads
  id = "ou-ab12-00000002:p-00000002"
}

import {
  to = aws_organizations_policy.deny_leave_organization
  id = "p-00000003"
}

import {
  to = aws_organizations_policy_attachment.deny_leave_organization__root
  id = "r-ab12:p-00000003"
}

import {
  to = aws_s3_bucket.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_versioning.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_server_side_encryption_configuration.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_public_access_block.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_ownership_controls.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_lifecycle_configuration.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_s3_bucket_policy.state
  id = "example-tfstate-change-me"
}

import {
  to = aws_dynamodb_table.lock
  id = "example-tf-locks"
}

import {
  to = aws_iam_openid_connect_provider.ci
  id = "arn:aws:iam::100000000002:oidc-provider/token.actions.githubusercontent.com"
}

import {
  to = aws_iam_role.deploy
  id = "github-deploy"
}

import {
  to = aws_s3_bucket.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_s3_bucket_versioning.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_s3_bucket_server_side_encryption_configuration.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_s3_bucket_public_access_block.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_s3_bucket_ownership_controls.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_s3_bucket_policy.trail
  id = "example-org-trail-change-me"
}

import {
  to = aws_cloudtrail.organization
  id = "arn:aws:cloudtrail:us-east-1:100000000099:trail/org-trail"
}
