/**
 * Callbacks fired during a step, as `sslsim run --json` and the C harness both
 * report them (conformance/PROTOCOL.md). `refs` is the session's refcount on
 * entry to the callback, which the spec's test vectors pin down (§5, §14).
 */
export type CallbackEvent =
  | { readonly cb: 'new'; readonly ssl: string; readonly sess: string; readonly refs: number; readonly ret: 0 | 1 }
  | { readonly cb: 'remove'; readonly ctx: string; readonly sess: string; readonly refs: number }
  | { readonly cb: 'get'; readonly ssl: string; readonly ret: string | null; readonly copy: 0 | 1 };
