// The HTTP/1.1 half of tls.mjs (examples/tls with TLS=off), under its own name so that its
// screenshot does not replace the HTTPS one.
import './tls.mjs';
