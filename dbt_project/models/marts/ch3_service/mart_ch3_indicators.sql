-- Chapter 三、服务贡献.
select * from {{ ref('fct_city_indicator_year') }} where chapter_code = 'ch3'
