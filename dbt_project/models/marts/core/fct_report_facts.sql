-- Facts the annual reports print that are not school submissions, with their source: what the report
-- templates' f('<fact_code>') reads, and what the data appendix cites.
select
    data_year,
    fact_code,
    chapter_code,
    statement,
    value,
    unit,
    decimals,
    source_document,
    source_date,
    entered_by
from {{ ref('stg_ref_facts_register') }}
