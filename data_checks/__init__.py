"""Data quality: Great Expectations suites built from the rules in seeds/quality_rules.csv."""
