"""Training: the loop, its resume checkpoint and multi-process setup. Run folders themselves are ``aevae.runs``."""
