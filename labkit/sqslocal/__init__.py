"""A local SQS service for the lab: a pure engine (`engine`), the AWS JSON wire format (`protocol`)
and a small ASGI server (`server`). See docs/sqs-service.md."""
