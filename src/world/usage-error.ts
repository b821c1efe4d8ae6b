/**
 * A call the model cannot run because the trace asks for something that is
 * not a C program at all (a server context used as a client, a handshake
 * between an SSL and itself). The runner reports it as `file:line:col:` with
 * exit code 2, like a syntax error; `arg` points the column at the argument.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly arg: number | null = null,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
