/**
 * The last two objects looked up in one of the world's tables, by id.
 *
 * A call touches the same one or two objects many times (a connection's two
 * SSLs, a session and its SSL): a handshake reads the client's and the
 * server's context about thirty times each. Comparing the id with the last
 * two spares most lookups in tables of thousands of objects. Nothing is ever
 * removed from a table nor replaced under an id, so a remembered entry stays right.
 */
export class Recent<V> {
  private id0: string | undefined;
  private value0: V | undefined;
  private id1: string | undefined;
  private value1: V | undefined;

  /** The value remembered for `id`, or undefined. */
  get(id: string): V | undefined {
    if (id === this.id0) return this.value0;
    if (id === this.id1) return this.value1;
    return undefined;
  }

  /** Remembers `value` for `id`, forgetting the older of the two (nothing changes when `id` is the latest). */
  remember(id: string, value: V): void {
    // Remembered twice in a row, it would take both places and push out the other object.
    if (id === this.id0) return;
    this.id1 = this.id0;
    this.value1 = this.value0;
    this.id0 = id;
    this.value0 = value;
  }
}
