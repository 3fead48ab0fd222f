"""The Starlette app: routes grouped by resource, one error mapping, the wire's JSON."""
