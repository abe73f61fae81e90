-- 专业质量监测结果 (003 表 2-2, 表 2-3): majors per grade and per band (A = A+, A, A−; …), with shares.
-- label and sort_order: the row as the tables print it (A+ … C-, then A档（A+/A/A-） …, then 合计).
with ranked as (
    select *, ascii(band) * 10 + case when grade like '%+' then 0 when grade like '%-' then 2 else 1 end as grade_rank
    from {{ ref('stg_ref_quality_monitoring') }}
),

grades as (
    select dataset_code, data_year, 'grade' as key_kind, grade as key, grade as label, grade_rank as sort_order, major_count
    from ranked
),

bands as (
    select
        dataset_code, data_year, 'band' as key_kind, band as key,
        band || '档（' || string_agg(grade, '/' order by grade_rank) || '）' as label,
        10000 + min(grade_rank) as sort_order, sum(major_count) as major_count
    from ranked
    group by dataset_code, data_year, band
),

totals as (
    select dataset_code, data_year, 'all' as key_kind, 'all' as key, '合计' as label, 99999 as sort_order, sum(major_count) as major_count
    from ranked
    group by dataset_code, data_year
),

all_keys as (
    select * from grades
    union all
    select * from bands
    union all
    select * from totals
)

select
    k.*,
    100.0 * k.major_count / t.major_count as share
from all_keys as k
inner join totals as t on t.dataset_code = k.dataset_code and t.data_year = k.data_year
