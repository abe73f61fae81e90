-- Chapter 二、人才培养.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch2'
