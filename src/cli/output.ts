/**
 * The CLI's standard output for long results (`sslsim run`): text gathered into chunks of about 64 KB and
 * written with blocking writes, so that a long trace's output streams in bounded memory; a reader that closes
 * the pipe early ends the process as SIGPIPE ends a C program.
 */
import { writeSync } from 'node:fs';

/**
 * Text for stdout, written in chunks of about 64 KB with blocking writes. process.stdout.write queues what a
 * pipe cannot take at once until the event loop runs, which is after the whole run: a slow reader of a long
 * trace's output made that queue gigabytes.
 */
export class Output {
  private parts: string[] = [];
  private size = 0;

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 65_536) this.flush();
  }

  flush(): void {
    if (this.parts.length > 0) writeFully(Buffer.from(this.parts.join('')));
    this.parts = [];
    this.size = 0;
  }
}

/** Writes all of `bytes` to fd 1, waiting while a non-blocking pipe is full; a reader that left ends the process. */
function writeFully(bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(SIGPIPE_STATUS);
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(PAUSE, 0, 0, 1); // a millisecond for the reader
    }
  }
}

/** The status of a process a closed pipe stopped (128 + SIGPIPE), as `head` leaves a C program's. */
export const SIGPIPE_STATUS = 141;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
