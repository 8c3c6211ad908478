"""Reports, weekly cross-department sync, notices and the managers' digest (P0, P10, P17, P18)."""
