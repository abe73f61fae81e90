-- 专业质量监测结果 (003 表 2-2, 表 2-3): majors per grade and per band (A = A+, A, A−; …), with shares.
with grades as (
    select dataset_code, data_year, 'grade' as key_kind, grade as key, major_count from {{ ref('stg_ref_quality_monitoring') }}
),

bands as (
    select dataset_code, data_year, 'band' as key_kind, band as key, sum(major_count) as major_count
    from {{ ref('stg_ref_quality_monitoring') }}
    group by dataset_code, data_year, band
),

totals as (
    select dataset_code, data_year, 'all' as key_kind, 'all' as key, sum(major_count) as major_count
    from {{ ref('stg_ref_quality_monitoring') }}
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
