-- Facts the annual reports print that are not school submissions, with their source: what the report
-- templates' f('<fact_code>') reads, and what the data appendix cites.
select * exclude (row_number)
from {{ ref('stg_ref_facts_register') }}
