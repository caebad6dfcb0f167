"""Calling citizens back (R-16 … R-19): the automated satisfaction survey by phone and SMS,
missed-call callback tasks (漏接回拨) and the SMS gateway adapters. The ARI worker (ivr.survey,
ivr.outbound) makes the calls; this package decides who is called when, and what an answer means."""
