"""The citizen portal (市民诉求网站): /portal/ pages and the public /api/v1/public endpoints —
submit a request (channel web), track it by number and phone, evaluate the reply, search the
public knowledge base. No account; per-address limits and a proof-of-work challenge instead."""
