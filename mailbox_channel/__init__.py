"""The mailbox channel (信箱): see mailbox_channel.worker."""
