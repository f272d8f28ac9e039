"""Queue Lab's toolkit: the local SQS service, the queue demo, analysis, plots and the local stack."""

__version__ = "0.1.0"
