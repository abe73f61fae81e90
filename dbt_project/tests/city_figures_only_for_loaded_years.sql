-- Analysts never see a data year that was not loaded: every year of the city figures has an accepted
-- submission behind it.
{{ config(meta={'dagster': {'ref': {'name': 'fct_city_indicator_year'}}}) }}
select distinct f.data_year
from {{ ref('fct_city_indicator_year') }} as f
where f.data_year not in (select data_year from {{ ref('stg_submissions') }} where is_current)
