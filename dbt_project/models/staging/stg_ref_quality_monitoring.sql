-- 专业质量监测结果 by grade (003 表 2-2, 表 2-3).
{{ pivot_reference_dataset(['quality_monitoring_new_majors', 'quality_monitoring_pilot_majors'], ['grade', 'band'], ['major_count']) }}
