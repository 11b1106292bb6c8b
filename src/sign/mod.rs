//! Key generation and certificate signing, shared by renewal and the demo tree.
