"""Queue Lab's toolkit: the local SQS service, the queue demo, analysis, plots and the local stack.

Notebooks import the modules they need by name: `labkit.notebook` (reaching the services),
`labkit.checks` (the lessons' checks), `labkit.plots`, `labkit.analysis`, `labkit.cost`,
`labkit.queue_demo`; the command line is `labkit.cli`.
"""

from labkit.errors import LabError

__all__ = ["LabError", "__version__"]

__version__ = "0.1.0"
