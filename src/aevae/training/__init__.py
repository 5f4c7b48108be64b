"""Training: the loop, its resume checkpoint, run folders and multi-process setup."""
