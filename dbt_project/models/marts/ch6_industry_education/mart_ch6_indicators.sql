-- Chapter 六、产教融合.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch6'
