{#
  One row per record of the commission's reference dataset(s), typed: text columns from value_text,
  number columns from value_number (see seeds/reference_dataset_columns.csv).
#}
{% macro pivot_reference_dataset(datasets, text_columns=[], number_columns=[]) %}
select
    dataset_code,
    data_year,
    row_number
    {%- for c in text_columns %},
    max(case when column_name = '{{ c }}' then value_text end) as {{ c }}
    {%- endfor %}
    {%- for c in number_columns %},
    max(case when column_name = '{{ c }}' then value_number end) as {{ c }}
    {%- endfor %}
from {{ ref('stg_reference_rows') }}
where dataset_code in ({% for d in datasets %}'{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %})
group by dataset_code, data_year, row_number
{% endmacro %}
