output "prac_url" {
  description = "URL of the standard practical queue."
  value       = aws_sqs_queue.prac.url
}

output "prac_arn" {
  value = aws_sqs_queue.prac.arn
}

output "prac_fifo_url" {
  description = "URL of the FIFO practical queue."
  value       = aws_sqs_queue.prac_fifo.url
}

output "prac_fifo_arn" {
  value = aws_sqs_queue.prac_fifo.arn
}

output "ical_name" {
  value = aws_sqs_queue.ical.name
}

output "ical_url" {
  description = "URL of the calendar job queue (TaskOverflow's SQS_ICAL_QUEUE)."
  value       = aws_sqs_queue.ical.url
}

output "ical_arn" {
  value = aws_sqs_queue.ical.arn
}

output "ical_dlq_url" {
  description = "URL of the calendar jobs' dead-letter queue."
  value       = aws_sqs_queue.ical_dlq.url
}

output "ical_dlq_arn" {
  value = aws_sqs_queue.ical_dlq.arn
}
