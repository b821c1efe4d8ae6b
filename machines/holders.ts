/**
 * The names references go by in the ledgers (machines/ledger.ts): `ssl:c1`
 * for SSL c1's `s->session`, `ssl:c1/ctx` and `ssl:c1/session_ctx` for its
 * two references on contexts, `cache:sctx` for a session in sctx's cache,
 * `store:sctx` for one in the application's external store of sctx.
 *
 * Each name is made once per object and then shared: a ledger compares the
 * name of every release with its entries, and two copies of one name cost a
 * character-by-character comparison (and a Map lookup a hash of the whole
 * string) where one shared string costs a pointer comparison. The tables
 * grow with the distinct ids a process sees (a few per variable name).
 */

const ofSsl = new Map<string, string>();
const ofSslCtx = new Map<string, string>();
const ofSslSessionCtx = new Map<string, string>();
const ofCache = new Map<string, string>();
const ofStore = new Map<string, string>();

/** `prefix + id + suffix`, made the first time and shared after. */
function named(table: Map<string, string>, id: string, prefix: string, suffix: string): string {
  let name = table.get(id);
  if (name === undefined) table.set(id, (name = prefix + id + suffix));
  return name;
}

/** SSL `id`'s reference on its current session (`s->session`). */
export const sslHolder = (id: string): string => named(ofSsl, id, 'ssl:', '');
/** SSL `id`'s reference on `s->ctx`. */
export const sslCtxHolder = (id: string): string => named(ofSslCtx, id, 'ssl:', '/ctx');
/** SSL `id`'s reference on `s->session_ctx`. */
export const sslSessionCtxHolder = (id: string): string => named(ofSslSessionCtx, id, 'ssl:', '/session_ctx');
/** The reference the cache (hash table) of ctx `id` holds on each session in it. */
export const cacheHolder = (id: string): string => named(ofCache, id, 'cache:', '');
/** The reference the application's external store for ctx `id` holds on each session it owns. */
export const storeHolder = (id: string): string => named(ofStore, id, 'store:', '');
