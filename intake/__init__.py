"""Written requests and the intake queue (受理): one way in for every channel that is not a call.

`intake.service.submit_request` takes what the portal, the mailbox, the mobile app or an upstream
platform received; a complete request (every R-05 element, classified) becomes an ordinary
ticket timed from its submission, anything else waits as `pending_intake` (待受理) for an agent to
accept it (`intake.service.accept`), which starts the dispatch limit (R-10).
"""
