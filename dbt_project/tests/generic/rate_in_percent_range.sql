{# Rates are percentages: a rate outside 0–100 means a part larger than its whole slipped through. #}
{% test rate_in_percent_range(model, column_name, value_type_column='value_type') %}
select *
from {{ model }}
where {{ value_type_column }} = 'rate' and ({{ column_name }} < 0 or {{ column_name }} > 100)
{% endtest %}
