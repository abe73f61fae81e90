-- Majors newly filed and withdrawn by 中职 schools (001 表 2-3, 表 2-4).
{{ pivot_reference_dataset(['new_majors', 'withdrawn_majors'], ['school_name', 'school_code', 'category_name', 'major_name', 'major_code', 'duration']) }}
