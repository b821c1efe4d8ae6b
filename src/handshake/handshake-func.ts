/**
 * s->handshake_func: which state machine SSL_do_handshake (and SSL_read in
 * init) runs. It is set apart from s->method, and the two drift apart:
 *
 * - SSL_set_connect_state / SSL_set_accept_state take the method's
 *   ssl_connect / ssl_accept, which is ssl_undefined_function for the other
 *   role's method (a server-only method cannot connect);
 * - tls_finish_handshake sets ossl_statem_connect / ossl_statem_accept by s->server;
 * - SSL_set_ssl_method (SSL_set_session, SSL_dup) maps the old method's
 *   connect to the new method's connect, and its accept to the new accept;
 * - SSL_clear's revert to ctx->method, SSL_copy_session_id's and version
 *   negotiation's method changes assign s->method directly and leave it.
 *
 * So an SSL can keep running ossl_statem_accept with a client-only method
 * (ssl_lib.c SSL_set_ssl_method, SSL_clear, SSL_copy_session_id; checked
 * against 3.0.19: FINDINGS F14, examples/connection/accept-with-client-method).
 */
export type HandshakeFunc = 'connect' | 'accept' | 'undefined';

/**
 * Does s->method have a handshake function for this role? A client-only
 * method's ssl_accept (and a server-only one's ssl_connect) is
 * ssl_undefined_function. Methods are named as the ctx's (`TLS_method`, ...)
 * or, after version negotiation, `VERSION:ROLE`.
 */
export function methodPlays(method: string, role: 'client' | 'server'): boolean {
  if (method === 'TLS_method') return true;
  return role === 'client' ? method === 'TLS_client_method' || method.endsWith(':client') : method === 'TLS_server_method' || method.endsWith(':server');
}

/** method->ssl_connect */
export function connectFunc(method: string): HandshakeFunc {
  return methodPlays(method, 'client') ? 'connect' : 'undefined';
}

/** method->ssl_accept */
export function acceptFunc(method: string): HandshakeFunc {
  return methodPlays(method, 'server') ? 'accept' : 'undefined';
}

/** SSL_set_connect_state (client) or SSL_set_accept_state (server). */
export function stateFunc(method: string, role: 'client' | 'server'): HandshakeFunc {
  return role === 'client' ? connectFunc(method) : acceptFunc(method);
}

/** SSL_set_ssl_method's remap: the old method's connect becomes the new one's, likewise accept; else unchanged. */
export function remapFunc(hf: HandshakeFunc | null, oldMethod: string, newMethod: string): HandshakeFunc | null {
  if (hf === null || oldMethod === newMethod) return hf;
  if (hf === connectFunc(oldMethod)) return connectFunc(newMethod);
  if (hf === acceptFunc(oldMethod)) return acceptFunc(newMethod);
  return hf;
}

/**
 * Does calling s->handshake_func run the state machine? ssl_undefined_function (and NULL) returns an
 * error at once, reading and writing nothing, whatever state the handshake is in: SSL_do_handshake, and
 * SSL_read in init, call it before anything else (ssl_lib.c SSL_do_handshake, ssl3_read_bytes).
 */
export function runsStateMachine(hf: HandshakeFunc | null): boolean {
  return hf === 'connect' || hf === 'accept';
}
