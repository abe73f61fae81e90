-- Chapter 七、发展保障.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch7'
