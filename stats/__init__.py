"""Answer-rate (接通率) monitoring, service level, staffing and the live wallboard (R-05, R-24, R-27, R-34).

Pure cores: `figures` (what a set of call records adds up to), `staffing` (Erlang C / Erlang A),
`alarms` (the alarm state machine). Shells around them: `repository` (queries), `service`,
`endpoints` (REST), `pages` (/wallboard and /metrics), `tasks` (the evaluator worker).
"""
