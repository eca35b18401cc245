# Written by awsorg (terraform.handoff). Remove this line to take the file over; awsorg then leaves it alone.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
