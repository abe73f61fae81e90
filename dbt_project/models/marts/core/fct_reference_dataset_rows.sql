-- Every row of the commission's reference datasets (latest accepted file per dataset and data year),
-- long form: one row per record and column. The list tables of the reports read it.
select dataset_code, data_year, row_number, column_name, value_text, value_number
from {{ ref('stg_reference_rows') }}
