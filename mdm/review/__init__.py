"""The review workflow: feedback, agreement and decision records, sign-off status, badges, the decision record page, diffs and releases."""
