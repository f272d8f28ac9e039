# The containers reach SQS through the task role: no access keys in the image or the environment.
# AWS Academy: roles cannot be created, so the pre-made LabRole is looked up by name (the default).
# Elsewhere: set create_iam_roles = true for roles that may only use this stack's queues.

data "aws_iam_role" "task" {
  count = var.create_iam_roles ? 0 : 1
  name  = var.task_role_name
}

data "aws_iam_role" "execution" {
  count = var.create_iam_roles ? 0 : 1
  name  = var.execution_role_name
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  count              = var.create_iam_roles ? 1 : 0
  name               = "${var.name_prefix}task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "calendar_queue" {
  statement {
    actions = [
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
    ]
    resources = [module.queues.ical_arn, module.queues.ical_dlq_arn]
  }
}

resource "aws_iam_role_policy" "task_sqs" {
  count  = var.create_iam_roles ? 1 : 0
  name   = "calendar-queue"
  role   = aws_iam_role.task[0].id
  policy = data.aws_iam_policy_document.calendar_queue.json
}

resource "aws_iam_role" "execution" {
  count              = var.create_iam_roles ? 1 : 0
  name               = "${var.name_prefix}execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  count      = var.create_iam_roles ? 1 : 0
  role       = aws_iam_role.execution[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

locals {
  task_role_arn      = var.create_iam_roles ? aws_iam_role.task[0].arn : data.aws_iam_role.task[0].arn
  execution_role_arn = var.create_iam_roles ? aws_iam_role.execution[0].arn : data.aws_iam_role.execution[0].arn
}
