"""TaskOverflow: a todo API on Quart that hands calendar generation to background workers."""
