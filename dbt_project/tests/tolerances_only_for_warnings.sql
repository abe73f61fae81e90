-- Errors are fixed, never waived: a tolerance may only name a warning rule.
-- A check of the warning_tolerances seed in Dagster (the test reads two seeds; meta names the one it guards).
{{ config(meta={'dagster': {'ref': {'name': 'warning_tolerances'}}}) }}
select t.rule_id, r.severity
from {{ ref('warning_tolerances') }} as t
inner join {{ ref('quality_rules') }} as r on r.rule_id = t.rule_id
where r.severity <> 'warning'
