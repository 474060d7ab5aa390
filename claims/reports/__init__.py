"""Attribution reports for researchers: exports (CSV, JSON Lines, XLSX, ClaimReview, PROV-O) and
the report pages. See docs/reports.md."""
