"""统计分析: hazards found / closed / overdue, 整改率 and on-time rate, by town, industry and month, with a
server-rendered SVG chart (no CDN). Every number links to the filtered hazard list."""
