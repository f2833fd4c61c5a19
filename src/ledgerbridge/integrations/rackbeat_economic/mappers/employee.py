"""Employees, both directions (seed 001 "Medarbejdere"): number, name, e-mail, phone."""

from __future__ import annotations

from ledgerbridge.integrations.mapping import Mapper


class EmployeeToEconomic(Mapper):
    direct = (
        ("number", "employeeNumber", int),
        ("name", "name"),
        ("contact_email", "email"),
        ("contact_phone", "phone"),
    )


class EmployeeToRackbeat(Mapper):
    drop_empty = True
    direct = (
        ("employeeNumber", "number"),
        ("name", "name"),
        ("email", "contact_email"),
        ("phone", "contact_phone"),
    )


map_employee_to_economic = EmployeeToEconomic()
map_employee_to_rackbeat = EmployeeToRackbeat()
