"""Quality inspection (质检, R-23, R-35): scoring forms, samples, scores, appeals, results."""
