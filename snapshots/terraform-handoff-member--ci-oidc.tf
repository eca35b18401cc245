# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

resource "aws_iam_openid_connect_provider" "ci" {
  provider       = aws.shared_services
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}

resource "aws_iam_role" "deploy" {
  provider             = aws.shared_services
  name                 = "github-deploy"
  description          = "CI deploy role for repo:example/infrastructure:ref:refs/heads/main (managed by awsorg)"
  assume_role_policy   = file("${path.module}/policies/deploy_role_trust.json")
  max_session_duration = 3600

  tags = {
    "awsorg:managed-by" = "awsorg"
  }
}
