"""One module per transport, each handing back verified documents and a ``fetch`` for children."""
