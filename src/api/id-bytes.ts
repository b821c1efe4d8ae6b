/**
 * The id and id-context setters' byte arguments: SSL_SESSION_set1_id,
 * SSL_SESSION_set1_id_context (ssl_sess.c), SSL_set_session_id_context and
 * SSL_CTX_set_session_id_context (ssl_lib.c). Each takes `(const unsigned char
 * *p, unsigned int len)`, refuses `len > 32` and then memcpy's `len` bytes.
 */
import { makeDiagnostic } from '../world/diagnostics.ts';
import { bytesOfLength, type Call, intArg, isNullArg, toUint32 } from './types.ts';

/** SSL_MAX_SSL_SESSION_ID_LENGTH and SSL_MAX_SID_CTX_LENGTH. */
export const MAX_ID_LENGTH = 32;

/**
 * The length argument as the `unsigned int` the functions take: -1 is
 * 0xFFFFFFFF, which `len > 32` refuses (checked against 3.0.19, FINDINGS F30).
 */
export function idLength(call: Call, i: number): number {
  return toUint32(intArg(call, i));
}

/**
 * The bytes the call copies (hex), or null when it fails and returns 0: a
 * length above 32 (F30), or NULL with a length > 0, which memcpy reads from
 * address 0 (FINDINGS F38: reported as a NULL dereference; NULL with length 0
 * copies nothing and sets an empty id). Beyond the literal the bytes are the
 * harness's zero padding (F31, types.ts bytesOfLength).
 */
export function idBytes(call: Call, fn: string, bytesArg: number): string | null {
  const len = idLength(call, bytesArg + 1);
  if (len > MAX_ID_LENGTH) return null;
  if (isNullArg(call, bytesArg) && len > 0) {
    call.world.report(
      makeDiagnostic(
        'null-dereference',
        call.world.line,
        `${fn} is given NULL bytes (argument ${bytesArg + 1}) with length ${len} and copies from it`,
        `3.0.19 memcpy's ${len} bytes from address 0: the process dies with SIGSEGV (ASan: "SEGV on unknown address 0x000000000000").`,
        null,
      ),
    );
    return null;
  }
  return bytesOfLength(call, bytesArg, len);
}
