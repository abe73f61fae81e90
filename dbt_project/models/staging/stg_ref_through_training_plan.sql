-- 贯通培养 enrolment plan per school and major (003 表 2-5).
{{ pivot_reference_dataset(
    ['through_training_plan'],
    ['school_name', 'school_code', 'major_level', 'major_code', 'major_name', 'major_direction', 'partner_university', 'partner_major'],
    ['planned_enrolment'],
) }}
