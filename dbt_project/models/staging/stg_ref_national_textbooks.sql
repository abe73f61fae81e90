-- 国家规划教材 selected per school (003 表 2-4).
{{ pivot_reference_dataset(['national_textbooks_by_school'], ['school_name', 'school_code'], ['textbook_count']) }}
