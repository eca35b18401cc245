# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "log_archive"
  region = "us-east-1"

  assume_role {
    role_arn = "arn:aws:iam::100000000000:role/OrganizationAccountAccessRole"
  }
}
