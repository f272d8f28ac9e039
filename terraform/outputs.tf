output "prac_url" {
  description = "Standard queue: labkit queue --name csse6400_prac ..."
  value       = module.queues.prac_url
}

output "prac_fifo_url" {
  description = "FIFO queue: labkit queue --name csse6400_prac.fifo ..."
  value       = module.queues.prac_fifo_url
}

output "ical_url" {
  description = "Calendar jobs (JOB_TRANSPORT=sqs)."
  value       = module.queues.ical_url
}

output "ical_dlq_url" {
  description = "Calendar jobs that kept failing."
  value       = module.queues.ical_dlq_url
}

output "queue_arns" {
  description = "ARNs, e.g. for IAM policies."
  value = {
    prac      = module.queues.prac_arn
    prac_fifo = module.queues.prac_fifo_arn
    ical      = module.queues.ical_arn
    ical_dlq  = module.queues.ical_dlq_arn
  }
}
