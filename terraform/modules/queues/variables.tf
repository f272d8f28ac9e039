variable "name_prefix" {
  description = "Prepended to every queue name, so two copies of the lab can share one AWS account."
  type        = string
  default     = ""
}

variable "ical_visibility_timeout_seconds" {
  description = "How long a received calendar job stays hidden before SQS offers it again (the worker extends it while it works)."
  type        = number
  default     = 20

  validation {
    condition     = var.ical_visibility_timeout_seconds >= 6 && var.ical_visibility_timeout_seconds <= 43200
    error_message = "Between 6 seconds (the worker's heartbeat needs room) and 43,200 (the SQS maximum)."
  }
}

variable "ical_max_receive_count" {
  description = "Receives after which a calendar job that keeps failing moves to the dead-letter queue."
  type        = number
  default     = 3
}
