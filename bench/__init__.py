"""`make bench`: chatcore against a bare-Starlette baseline, in the same run."""
