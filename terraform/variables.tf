variable "region" {
  description = "AWS region. The AWS Academy Learner Lab only allows us-east-1 and us-west-2."
  type        = string
  default     = "us-east-1"
}

variable "shared_credentials_files" {
  description = "Credentials files to read (Learner Lab: paste 'AWS Details -> AWS CLI' into ./credentials)."
  type        = list(string)
  default     = ["./credentials", "~/.aws/credentials"]
}

variable "profile" {
  description = "Profile in the credentials file; null means the provider's default ('default' or AWS_PROFILE)."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prepended to every queue name (e.g. your initials) when several people share one account."
  type        = string
  default     = ""
}
