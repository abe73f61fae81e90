-- Chapter 一 基本概况.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch1'
