"""Analytics (R-24, R-34): requests grouped into topics (hot topics, 热点), and alerts (预警) on a topic
surging in one county, one caller repeating a matter, many callers on one address."""
