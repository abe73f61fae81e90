-- Errors are fixed, never waived: a tolerance may only name a warning rule.
select t.rule_id, r.severity
from {{ ref('warning_tolerances') }} as t
inner join {{ ref('quality_rules') }} as r on r.rule_id = t.rule_id
where r.severity <> 'warning'
