-- Chapter 五、国际合作.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch5'
