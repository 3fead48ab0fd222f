"""What every context shares: ids, errors, paging, the audit trail, time and the unit of work."""
