/**
 * Diagnostics: what the checker tells the user.
 *
 * Each kind names one misuse pattern of `misuse-patterns-and-real-bugs.md`
 * (P1-P12) or one legal surprise, with a paragraph that explains it and what
 * real OpenSSL 3.0.19 does later (spec §10). A diagnostic always carries the
 * line where it happened and, when there is one, the cause: the line that
 * obtained the pointer or released the reference.
 */

export type DiagnosticKind =
  | 'bad-free'
  | 'use-after-free'
  | 'double-free'
  | 'stale-borrow'
  | 'dangling-cache-entry'
  | 'cross-context'
  | 'callback-contract'
  | 'leak'
  | 'null-dereference'
  | 'not-resumable'
  | 'early-session'
  | 'capacity'
  | 'libssl-leak';

export type Severity = 'error' | 'warning';

export interface Cause {
  readonly line: number;
  readonly what: string;
}

/**
 * How a diagnosed misuse can show on real 3.0.19 as the conformance harness
 * runs it (AddressSanitizer, libssl and libcrypto uninstrumented): a fault kind
 * of conformance/PROTOCOL.md at the diagnosed step or a later one (ASan sees
 * misuse only at the next free or instrumented access, NOTES.md N4), `leak`
 * (sessions never destroyed by the end), or `silent` (nothing visible at all).
 */
export type Outcome = 'use-after-free' | 'double-free' | 'heap-corruption' | 'crash' | 'hang' | 'leak' | 'silent';

export interface Diagnostic {
  readonly kind: DiagnosticKind;
  readonly severity: Severity;
  readonly line: number;
  /** One line: what went wrong, naming the objects. */
  readonly message: string;
  /** One paragraph: why it is wrong. */
  readonly explanation: string;
  /** What real 3.0.19 does later. */
  readonly consequence: string;
  readonly cause: Cause | null;
  /**
   * Every way real 3.0.19 may go on from here. For undefined behaviour `sslsim conform` checks that one happens; for
   * the other errors (the misuse that leads to it) they say what it leads to, and conform names the diagnostic
   * confirmed when that happens; [] for warnings.
   */
  readonly outcomes: readonly Outcome[];
  /** The object it is about, when there is one: a step reports each kind at most once per object. */
  readonly subject?: string;
  /** Set where this diagnostic's situation is undefined behaviour and its kind's usually is not (a callback that recurses without end). */
  readonly undefinedBehaviour?: true;
}

/** Is the diagnostic undefined behaviour: after it the model's later steps are marked undefined (KINDS, or the diagnostic itself)? */
export function isUndefinedBehaviour(d: Diagnostic): boolean {
  return d.severity === 'error' && (d.undefinedBehaviour ?? KINDS[d.kind].undefinedBehaviour);
}

interface KindInfo {
  readonly severity: Severity;
  /** Undefined behaviour: after it the model's later steps are marked undefined. */
  readonly undefinedBehaviour: boolean;
  readonly pattern: string;
  readonly explanation: string;
  /** The outcomes of a diagnostic of this kind, unless its situation narrows them (faults.ts). */
  readonly outcomes: readonly Outcome[];
  /** Set for a kind the conformance harness cannot observe: how it is confirmed instead. */
  readonly confirmedElsewhere?: string;
}

/** The catalogue of kinds; the docs' anti-pattern table is generated from it. */
export const KINDS: Readonly<Record<DiagnosticKind, KindInfo>> = {
  'bad-free': {
    severity: 'error',
    undefinedBehaviour: false,
    pattern: 'P1, P2',
    explanation:
      'The application released a reference it does not own. The pointer was borrowed (SSL_get_session/SSL_get0_session, a callback argument), ' +
      'so the count that dropped belonged to someone else: an SSL, a cache or the application\'s store. libssl does not check ownership, it just ' +
      'decrements (spec §2 SSL_SESSION_free), so the object will be destroyed while its real owners still point at it.',
    // Its owners go on to release what is no longer theirs: the SSL's or the application's release is a double free
    // (N3 m1c, m2), a cache that still links it hangs, double-frees or has remove_cb read it at the next flush (N3, N9).
    outcomes: ['double-free', 'hang', 'use-after-free', 'heap-corruption', 'crash'],
  },
  'use-after-free': {
    severity: 'error',
    undefinedBehaviour: true,
    pattern: 'P1, P7',
    explanation:
      'The object had already been destroyed: its last reference was released earlier. Any use reads or writes freed memory (spec §10 M2, M3).',
    // N4: libssl's own access is invisible to ASan; the next free of the block (a double free) or a callback's read shows it (M3).
    outcomes: ['use-after-free', 'double-free', 'heap-corruption', 'crash'],
  },
  'double-free': {
    severity: 'error',
    undefinedBehaviour: true,
    pattern: 'P2, P3',
    explanation:
      'A reference was released on an object that was already destroyed. In 3.0.19 OPENSSL_clear_free zeroed the object, so the second free ' +
      'takes the count from 0 to -1, runs the destructor again and frees the block a second time (spec §10 M2).',
    // Spec §10 M2: ASan reports the second free; without ASan the heap is corrupted and crashes later.
    outcomes: ['double-free', 'heap-corruption', 'crash'],
  },
  'stale-borrow': {
    severity: 'error',
    undefinedBehaviour: false,
    pattern: 'P1',
    explanation:
      'A pointer from SSL_get_session/SSL_get0_session is valid only while that SSL keeps that session. The SSL has since let go of it ' +
      '(SSL_set_session, SSL_clear, SSL_free, or a TLS 1.3 ticket replaced it), and the application holds no reference of its own (spec §3, R3). ' +
      'The object is alive only because something else still holds it.',
    // Nothing yet; once the keeper lets go, a use through the pointer is invisible to ASan until the next free of the
    // block, a double free (N4), and nothing at all if the pointer is never used again.
    outcomes: ['double-free', 'use-after-free', 'heap-corruption', 'crash', 'silent'],
  },
  'dangling-cache-entry': {
    severity: 'error',
    undefinedBehaviour: true,
    pattern: 'P7',
    explanation:
      'A session was destroyed while a context\'s cache still links it. SSL_SESSION_free never unlinks a session from a cache (spec §2), so the ' +
      'hash table and the expiry list keep a pointer to freed memory, and every later walk of that list touches it (spec §10 M1).',
    // Spec §10 M1, NOTES.md N3: the walk of a freed entry hangs under ASan, is a use-after-free in remove_cb, or aborts in glibc.
    outcomes: ['hang', 'use-after-free', 'double-free', 'heap-corruption', 'crash'],
  },
  'cross-context': {
    severity: 'error',
    undefinedBehaviour: true,
    pattern: 'P6',
    explanation:
      'One SSL_SESSION may be linked into one SSL_CTX cache only: it has a single pair of list links. Adding a session that another context\'s ' +
      'cache lists makes the second list_add unlink it with the wrong sentinels, which corrupts the first context or silently leaks its reference (spec §9).',
    // Spec §9: leak, SIGSEGV or an abort depending on the list position; under ASan a hang or a silent leak. The
    // campaign also met nothing at all (a program that freed both contexts' references by other paths): silent.
    outcomes: ['leak', 'crash', 'heap-corruption', 'hang', 'double-free', 'use-after-free', 'silent'],
  },
  'callback-contract': {
    severity: 'error',
    undefinedBehaviour: false,
    pattern: 'P2, P3, P4, P10',
    explanation:
      'A session callback broke its ownership contract (spec §5): new_session_cb must return 1 exactly when it keeps the reference it was given; ' +
      'remove_session_cb receives a borrowed pointer and must not free it, nor call back into the cache that called it; ' +
      'get_session_cb with *copy = 0 must hand over a reference it really owns.',
    // remove_cb's free and get_cb's unowned transfer end in a double free (M7, M5); new_cb keeping a pointer it
    // returned 0 for dangles (M8); new_cb returning 1 for a pointer it drops leaks the session (M9).
    outcomes: ['double-free', 'use-after-free', 'heap-corruption', 'crash', 'leak'],
  },
  leak: {
    severity: 'error',
    undefinedBehaviour: false,
    pattern: 'P9',
    explanation:
      'At the end of the trace the application still owns this reference. Nothing will release it, so the object (and everything it holds) is never freed.',
    // LeakSanitizer at exit: the harness's end line lists the sessions never destroyed.
    outcomes: ['leak'],
  },
  'null-dereference': {
    severity: 'error',
    undefinedBehaviour: true,
    pattern: 'P7',
    explanation:
      'A NULL session pointer reached a function that does not check for NULL: SSL_SESSION_up_ref, SSL_SESSION_dup, SSL_SESSION_is_resumable, ' +
      'SSL_SESSION_set1_id(_context) and SSL_CTX_add_session dereference it (spec §10). SSL_get1_session and SSL_get0_session return NULL before ' +
      'a handshake, and d2i_SSL_SESSION on bad input; check the result before using it (grpc PR #34539). The id setters also memcpy from a NULL ' +
      'byte string given a length from 1 to 32 (FINDINGS F38).',
    // The fixture m9-null-session-crash: ASan reports a SEGV on address 0 at this step.
    outcomes: ['crash'],
  },
  'not-resumable': {
    severity: 'warning',
    undefinedBehaviour: false,
    pattern: 'P12',
    explanation:
      'Legal, but usually a surprise: the session was marked not resumable because its SSL was freed, cleared or given another session after a ' +
      'completed handshake without SSL_shutdown (spec §3 ssl_clear_bad_session). This happens whatever the cache mode, even to a session the application holds.',
    outcomes: [],
  },
  'early-session': {
    severity: 'warning',
    undefinedBehaviour: false,
    pattern: 'P8',
    explanation:
      'Legal, but usually a surprise: with TLS 1.3 the session of a connection is not resumable until a NewSessionTicket has been read, which ' +
      'happens in a later SSL_read, not in SSL_connect (spec §6.3). Taken now, it will never resume; each ticket read later is a new session object.',
    outcomes: [],
  },
  capacity: {
    severity: 'warning',
    undefinedBehaviour: false,
    pattern: 'P9',
    explanation:
      'Legal, but usually a surprise: 3.0.19 evicts before it links the new session and counts the new one already, so a cache of size N holds at ' +
      'most N-1 sessions (1 for N = 1) (spec §4 SSL_CTX_add_session, "Important consequence").',
    outcomes: [],
  },
  'libssl-leak': {
    severity: 'warning',
    undefinedBehaviour: false,
    pattern: 'none (a libssl bug)',
    explanation:
      'Legal, but libssl 3.0.19 itself leaks: a client session object that completed a full handshake keeps the server\'s certificate chain ' +
      '(peer_chain). Offered again with an empty session id and not resumed, the same object is reused for the new full handshake (spec §6.2) and ' +
      'tls_process_server_certificate overwrites peer_chain without freeing the old one (FINDINGS F105). Only SSL_SESSION_dup and the ' +
      'library\'s internal copies carry the chain; d2i_SSL_SESSION and SSL_SESSION_new do not (spec §2).',
    outcomes: [],
    // The harness's end line names leaked sessions, not libssl's allocations.
    confirmedElsewhere: 'by LeakSanitizer on the trace\'s emit-c program (test/conform/emit-c-e2e.test.ts)',
  },
};

export function makeDiagnostic(
  kind: DiagnosticKind,
  line: number,
  message: string,
  consequence: string,
  cause: Cause | null,
  outcomes: readonly Outcome[] = KINDS[kind].outcomes,
  explanation: string = KINDS[kind].explanation,
): Diagnostic {
  return { kind, severity: KINDS[kind].severity, line, message, explanation, consequence, cause, outcomes };
}
