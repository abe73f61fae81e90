"""Check a report someone wrote by hand against the warehouse and against its own arithmetic.

`vocwh check-report [--school CODE] --year Y FILE` — one module per job:

- reading: the file (.txt, .docx, .pdf) as numbered lines, table rows split into cells;
- numbers: printed numbers as Decimals, units, and when a printed result counts as right;
- figures: every figure of the text with its label, unit and place; the tables with year columns;
- arithmetic: change columns, growth rates, 个百分点, parts against their total;
- matching: figures to catalogue indicators, then to the submitted (or city) values in the warehouse;
- output: the workbook and the HTML page under var/report_checks/<name>/;
- check: runs them in order.
"""

from orchestration.report_check.check import CheckResult, check_report

__all__ = ["CheckResult", "check_report"]
