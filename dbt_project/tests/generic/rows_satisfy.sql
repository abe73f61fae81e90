{% test rows_satisfy(model, expression) %}
-- Rows for which a condition over the row's columns does not hold.
select * from {{ model }} where not ({{ expression }})
{% endtest %}
