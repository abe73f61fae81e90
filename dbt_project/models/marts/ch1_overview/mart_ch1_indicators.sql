-- Chapter 一 基本概况.
{{ chapter_indicators('一、基本概况') }}
