"""Research tools over many runs: sweeps and their analysis, the claims report, calibration to observed data."""
