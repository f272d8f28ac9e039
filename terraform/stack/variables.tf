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
  description = "Profile in the credentials file; null means the provider's default."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prepended to every name here (queues included), so this stack never collides with terraform/'s queues."
  type        = string
  default     = "taskoverflow-"
}

variable "create_iam_roles" {
  description = "Create least-privilege roles for the ECS tasks. AWS Academy forbids creating roles: keep false and use LabRole."
  type        = bool
  default     = false
}

variable "task_role_name" {
  description = "Existing role the containers run as (their SQS permissions come from it; no keys in the tasks). Used when create_iam_roles is false."
  type        = string
  default     = "LabRole"
}

variable "execution_role_name" {
  description = "Existing role ECS uses to pull the image and write logs. Used when create_iam_roles is false."
  type        = string
  default     = "LabRole"
}

variable "image_tag" {
  description = "Tag of the TaskOverflow image pushed to the ECR repository (see README.md)."
  type        = string
  default     = "latest"
}

variable "api_desired_count" {
  description = "How many API containers run behind the load balancer."
  type        = number
  default     = 1
}

variable "worker_desired_count" {
  description = "How many calendar workers long-poll the ical queue."
  type        = number
  default     = 1
}

variable "ical_delay_seconds" {
  description = "Artificial delay of each calendar job, so the PENDING -> STARTED -> SUCCESS states can be watched."
  type        = number
  default     = 10
}

variable "db_instance_class" {
  description = "RDS instance class for PostgreSQL."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_name" {
  description = "Database name."
  type        = string
  default     = "taskoverflow"
}

variable "db_username" {
  description = "Database master user."
  type        = string
  default     = "taskoverflow"
}

variable "db_password" {
  description = "Database master password (8+ characters; no '/', '@', '\"' or spaces). Pass with -var or TF_VAR_db_password; never commit it."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.db_password) >= 8 && can(regex("^[^/@\" ]+$", var.db_password))
    error_message = "At least 8 characters, without '/', '@', '\"' or spaces (RDS rules; it also goes into a URL)."
  }
}
