"""Outcomes: PHQ-9 and GAD-7 questionnaires, their scoring with severity bands, response and remission,
the same-day alert on PHQ-9 item 9, and the charts on the patient page."""
