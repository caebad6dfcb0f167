"""The mailbox channel (信箱): mail to the hotline's mailbox becomes a request (channel `mailbox`).

`mailbox_channel.worker` polls the folder over IMAP (HOTLINE_MAILBOX_IMAP_URL, HOTLINE_MAILBOX_FOLDER,
HOTLINE_MAILBOX_POLL_SECONDS), hands each new message to intake.service.submit_request and keeps
its (folder, UIDVALIDITY, UID) in PostgreSQL in the same transaction, so a message is never lost
nor taken twice across restarts; then it tells the sender the number over SMTP (HOTLINE_SMTP_URL).
Run by `hotline up` (when the URL is set) or `hotline mailbox`. (Not named `mailbox`: that is a
module of Python's standard library, which would shadow an installed package of that name.)
"""
