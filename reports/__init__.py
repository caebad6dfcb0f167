"""Period reports (日报 … 年报, R-34) as JSON and xlsx, and the service scorecards of city centres,
sub-centres and handling units (R-27)."""
