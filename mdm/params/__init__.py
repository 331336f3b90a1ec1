"""Reading the project's params: YAML loading with line numbers, the domain models, the project as one validated object."""
