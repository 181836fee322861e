"""Responses → verdicts: rule-based checks on parsed code, routing scores, the model judge, calibration."""
