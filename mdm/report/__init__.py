"""What a section shows: evidence computed from the research inputs, charts, rendered HTML fragments; the API notebooks call."""
