# The lab's SQS queues, declared once.
#
# terraform/ (queues only) and terraform/stack/ (the whole TaskOverflow stack) both use this module,
# and `labkit queues apply terraform/` reads it to create the same queues on the local SQS service:
# change a setting here and it changes everywhere.

# Practical 1: a standard queue. At-least-once delivery, best-effort order.
resource "aws_sqs_queue" "prac" {
  name = "${var.name_prefix}csse6400_prac"
}

# Practical 1: a FIFO queue. Strict order within a message group, and content-based
# de-duplication (SHA-256 of the body) so re-sending the same 100 bodies delivers nothing new.
resource "aws_sqs_queue" "prac_fifo" {
  name                        = "${var.name_prefix}csse6400_prac.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
}

# Where calendar jobs go after failing `ical_max_receive_count` times: kept 14 days for inspection.
resource "aws_sqs_queue" "ical_dlq" {
  name                      = "${var.name_prefix}ical-dlq"
  message_retention_seconds = 1209600
}

# TaskOverflow's calendar jobs. A worker holds a message invisible while it builds the calendar and
# extends the visibility (a heartbeat) while the job runs, so the timeout only bounds how long a
# crashed worker's job waits before another worker picks it up.
resource "aws_sqs_queue" "ical" {
  name                       = "${var.name_prefix}ical"
  visibility_timeout_seconds = var.ical_visibility_timeout_seconds
  receive_wait_time_seconds  = 20
  message_retention_seconds  = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.ical_dlq.arn
    maxReceiveCount     = var.ical_max_receive_count
  })
}

