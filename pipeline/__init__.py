"""antifraud-dash pipeline: anti-fraud news articles -> tidy, sourced statistics tables."""
