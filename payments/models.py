"""Debt positions, notices, gateways, receipts and reconciliation (pagoPA). Filled by the payments issue."""
